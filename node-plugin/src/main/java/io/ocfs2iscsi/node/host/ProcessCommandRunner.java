package io.ocfs2iscsi.node.host;

import java.io.File;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs commands as processes: directly, or through {@code nsenter} into the host's namespaces
 * ({@link HostMode#commandPrefix()}). stdin is empty unless the command brings its own input, so a tool that asks
 * for confirmation (mkfs.ocfs2 before overwriting a filesystem) reads end-of-file and declines. Each process gets two reader threads of its own
 * (stdout, stderr); a command whose output could not be read completely is a failure ({@link
 * CommandResult#OUTPUT_LOST}), never an empty success: an empty probe reads as "nothing on the device". A command
 * of an operation whose caller gave up ({@link Cancellation#current()}) is killed, or not started.
 */
public final class ProcessCommandRunner implements CommandRunner {

  private static final Logger LOG = LoggerFactory.getLogger(ProcessCommandRunner.class);

  /** How long the output may still take to arrive once the process has ended or was killed. */
  public static final Duration OUTPUT_WAIT = Duration.ofSeconds(5);
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private final HostMode mode;
  private final SecretRedactor redactor;
  private final Duration outputWait;

  public ProcessCommandRunner(HostMode mode, SecretRedactor redactor) {
    this(mode, redactor, OUTPUT_WAIT);
  }

  ProcessCommandRunner(HostMode mode, SecretRedactor redactor, Duration outputWait) {
    this.mode = mode;
    this.redactor = redactor;
    this.outputWait = outputWait;
  }

  @Override
  public CommandResult run(Command command) {
    List<String> argv = new ArrayList<>(mode.commandPrefix());
    argv.addAll(command.argv());
    String shown = redactor.redact(command.display());
    LOG.debug("run: {}", shown);
    long started = System.nanoTime();
    Cancellation cancellation = Cancellation.current();
    Optional<Cancellation.Reason> gaveUp = cancellation.reason();
    if (gaveUp.isPresent()) {
      LOG.info("{}: not started: {}", shown, gaveUp.get().text());
      return new CommandResult(command, CommandResult.CANCELLED, "", "not started: " + gaveUp.get().text());
    }
    Process process;
    try {
      ProcessBuilder pb = new ProcessBuilder(argv);
      if (command.stdin().isEmpty()) {
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      }
      // A predictable C locale: the parsers read English tool output.
      pb.environment().put("LC_ALL", "C");
      process = pb.start();
    } catch (IOException e) {
      LOG.debug("{}: cannot start: {}", shown, e.getMessage());
      return new CommandResult(command, CommandResult.NOT_FOUND, "", command.program() + ": " + e.getMessage());
    }
    if (!command.stdin().isEmpty()) {
      feed(process, command.stdin());
    }
    String name = "command-" + process.pid() + "-" + command.program();
    OutputReader out = OutputReader.start("stdout", process.getInputStream(), name + "-stdout");
    OutputReader err = OutputReader.start("stderr", process.getErrorStream(), name + "-stderr");
    int exit = awaitExit(process, command.timeout(), cancellation);
    long outputDeadline = System.nanoTime() + outputWait.toNanos();
    OutputReader.Read o = out.awaitUntil(outputDeadline);
    OutputReader.Read e = err.awaitUntil(outputDeadline);
    CommandResult result = result(command, exit, o, e);
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    if (result.ok()) {
      LOG.debug("{} -> 0 in {} ms", shown, ms);
    } else {
      LOG.info("{} -> exit {} in {} ms: {}", shown, result.exitCode(), ms, firstLine(result.complaint()));
    }
    return result;
  }

  /**
   * The exit code; TIMED_OUT after killing the process (and what it started) at its timeout, CANCELLED after
   * killing it when the caller gave up.
   */
  private static int awaitExit(Process process, Duration timeout, Cancellation cancellation) {
    long timeoutAt = System.nanoTime() + timeout.toNanos();
    try (Cancellation.Registration onCancel = cancellation.onCancel(() -> kill(process))) {
      while (true) {
        long wait = timeoutAt - System.nanoTime();
        Optional<Duration> callerLeft = cancellation.remaining();
        if (callerLeft.isPresent()) {
          wait = Math.min(wait, callerLeft.get().toNanos());
        }
        boolean exited = process.waitFor(Math.max(0, wait), TimeUnit.NANOSECONDS);
        if (cancellation.cancelled()) {
          kill(process);
          process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
          return CommandResult.CANCELLED;
        }
        if (exited) {
          return process.exitValue();
        }
        if (System.nanoTime() - timeoutAt >= 0) {
          kill(process);
          process.waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
          return CommandResult.TIMED_OUT;
        }
      }
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      return CommandResult.CANCELLED;
    }
  }

  /**
   * Writes the command's input and closes its stdin. The inputs are a few bytes, far below a pipe's buffer, so the
   * write does not wait for the process to read.
   */
  private static void feed(Process process, String input) {
    try (java.io.OutputStream in = process.getOutputStream()) {
      in.write(input.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (IOException e) {
      // The process ended without reading it: its exit code and stderr tell what happened.
      LOG.debug("stdin of {} not written: {}", command(process), e.getMessage());
    }
  }

  private static String command(Process process) {
    return process.info().command().orElse("pid " + process.pid());
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  private CommandResult result(Command command, int exit, OutputReader.Read out, OutputReader.Read err) {
    String stdout = redactor.redact(out.text());
    String stderr = redactor.redact(err.text());
    List<String> problems = new ArrayList<>();
    for (OutputReader.Read r : List.of(out, err)) {
      if (!r.complete()) {
        problems.add(r.problem());
      }
    }
    String lost = problems.isEmpty() ? "" : "output not read completely (" + String.join("; ", problems) + ")";
    if (exit == CommandResult.TIMED_OUT) {
      return new CommandResult(command, exit, stdout, join(stderr, "timed out after "
          + command.timeout().toSeconds() + " s", lost));
    }
    if (exit == CommandResult.CANCELLED) {
      String why = Cancellation.current().reason().map(Cancellation.Reason::text).orElse("interrupted");
      return new CommandResult(command, exit, stdout, join(stderr, "killed: " + why, lost));
    }
    if (!problems.isEmpty()) {
      // Part of an output is not the output: no parser gets to read it.
      return new CommandResult(command, CommandResult.OUTPUT_LOST, "",
          join(command.program() + " exited " + exit + ", but its " + lost, stderr));
    }
    return new CommandResult(command, exit, stdout, stderr);
  }

  private static String join(String... parts) {
    StringBuilder sb = new StringBuilder();
    for (String p : parts) {
      if (!p.isBlank()) {
        sb.append(sb.length() == 0 ? "" : "\n").append(p.strip());
      }
    }
    return sb.toString();
  }

  private static String firstLine(String s) {
    String t = s.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl);
  }
}
