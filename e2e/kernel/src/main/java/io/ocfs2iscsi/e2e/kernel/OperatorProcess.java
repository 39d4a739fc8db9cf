package io.ocfs2iscsi.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real operator jar (operator/target/operator.jar {@code run}) as its own process, pointed at a kubeconfig, as
 * the chart's Deployment runs it; its output goes to a log file. {@link #close()} stops it with SIGTERM (its
 * shutdown hook releases the leader Lease) and kills it when it does not stop within 20 s.
 */
public final class OperatorProcess implements AutoCloseable {

  private final Process process;
  private final Path log;

  private OperatorProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** The operator jar of this checkout; fails with the build command when it is missing. */
  public static Path jar() {
    Path jar = TestBed.repoRoot().resolve("operator/target/operator.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("missing prerequisite: " + jar + " (build it: mvn -B -ntp -pl operator -am"
          + " package -DskipTests, or e2e/bin/demo)");
    }
    return jar;
  }

  /** Starts {@code operator.jar run} with {@code flags}, {@code KUBECONFIG=kubeconfig}, output appended to log. */
  public static OperatorProcess start(Path kubeconfig, Path log, List<String> flags) {
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar().toString(), "run"));
    cmd.addAll(flags);
    try {
      Files.createDirectories(log.getParent());
      ProcessBuilder pb = new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      pb.environment().put("KUBECONFIG", kubeconfig.toString());
      return new OperatorProcess(pb.start(), log);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start the operator: " + cmd, e);
    }
  }

  public Path log() {
    return log;
  }

  /** Fails with the last lines of the log when the operator exited. */
  public void requireAlive() {
    if (!process.isAlive()) {
      throw new IllegalStateException("the operator exited with " + process.exitValue() + "; last lines of " + log
          + ":\n" + HostCommands.tail(log, 30));
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
