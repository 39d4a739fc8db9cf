package io.ocfs2iscsi.node.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands as processes: directly, or through {@code nsenter} into the host's namespaces
 * ({@link HostMode#commandPrefix()}). stdin is always empty, so a tool that asks for confirmation (mkfs.ocfs2
 * before overwriting a filesystem) reads end-of-file and declines.
 */
public final class ProcessCommandRunner implements CommandRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);

  private final HostMode mode;
  private final SecretRedactor redactor;

  public ProcessCommandRunner(HostMode mode, SecretRedactor redactor) {
    this.mode = mode;
    this.redactor = redactor;
  }

  @Override
  public CommandResult run(Command command) {
    List<String> argv = new ArrayList<>(mode.commandPrefix());
    argv.addAll(command.argv());
    String shown = redactor.redact(command.display());
    LOG.debug("run: {}", shown);
    long started = System.nanoTime();
    Process process;
    try {
      ProcessBuilder pb = new ProcessBuilder(argv);
      pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      // A predictable C locale: the parsers read English tool output.
      pb.environment().put("LC_ALL", "C");
      process = pb.start();
    } catch (IOException e) {
      LOG.debug("{}: cannot start: {}", shown, e.getMessage());
      return new CommandResult(command, CommandResult.NOT_FOUND, "", command.program() + ": " + e.getMessage());
    }
    CompletableFuture<String> out = drain(process.getInputStream());
    CompletableFuture<String> err = drain(process.getErrorStream());
    int exit;
    try {
      if (process.waitFor(command.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
        exit = process.exitValue();
      } else {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
        exit = CommandResult.TIMED_OUT;
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      exit = CommandResult.TIMED_OUT;
    }
    String stdout = redactor.redact(joinQuietly(out));
    String stderr = redactor.redact(joinQuietly(err));
    if (exit == CommandResult.TIMED_OUT) {
      stderr = (stderr.isBlank() ? "" : stderr.strip() + "\n") + "timed out after " + command.timeout().toSeconds() + " s";
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (exit == 0) {
      LOG.debug("{} -> 0 in {} ms", shown, ms);
    } else {
      LOG.info("{} -> exit {} in {} ms: {}", shown, exit, ms, firstLine(stderr.isBlank() ? stdout : stderr));
    }
    return new CommandResult(command, exit, stdout, stderr);
  }

  private static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(
        () -> {
          try (in) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            in.transferTo(buf);
            return buf.toString(StandardCharsets.UTF_8);
          } catch (IOException e) {
            return "";
          }
        });
  }

  private static String joinQuietly(CompletableFuture<String> f) {
    try {
      return f.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      return "";
    }
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
