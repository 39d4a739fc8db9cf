package io.ocfs2iscsi.node.host;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One host command as an argument vector: never a shell line, so no value is ever interpreted by a shell. Values on
 * argv are visible in /proc/PID/cmdline to every local user, which is why no secret is ever put here. {@code stdin}
 * is what the command reads on its standard input (empty: end-of-file at once); it is for values a tool only takes
 * there (a pid written to a cgroup.procs file through tee), never for secrets either.
 */
public record Command(List<String> argv, Duration timeout, String stdin) {

  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public Command {
    Objects.requireNonNull(argv, "argv");
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("argv must not be empty");
    }
    for (String a : argv) {
      if (a == null || a.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("argv element is null or contains NUL");
      }
    }
    argv = List.copyOf(argv);
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(stdin, "stdin");
  }

  public Command(List<String> argv, Duration timeout) {
    this(argv, timeout, "");
  }

  /** The same command with {@code input} on its standard input. */
  public Command withStdin(String input) {
    return new Command(argv, timeout, input);
  }

  public static Command of(String... argv) {
    return new Command(List.of(argv), DEFAULT_TIMEOUT);
  }

  public static Command of(Duration timeout, String... argv) {
    return new Command(List.of(argv), timeout);
  }

  public String program() {
    return argv.get(0);
  }

  /** The argv as one line for logs and error messages (arguments never hold secrets). */
  public String display() {
    return String.join(" ", argv);
  }
}
