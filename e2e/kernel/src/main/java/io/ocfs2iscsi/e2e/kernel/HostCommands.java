package io.ocfs2iscsi.e2e.kernel;

import io.ocfs2iscsi.e2e.kernel.TestBed.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Commands and files on this host, for the test bed and the cluster on it: bounded runs, atomic writes, log tails. */
final class HostCommands {

  private HostCommands() {}

  /** Runs {@code argv} (no shell) from the checkout with {@code env} added; fails when it takes longer than {@code limit}. */
  static ExecResult run(List<String> argv, Map<String, String> env, Duration limit) {
    try {
      Path out = Files.createTempFile("e2e-run-", ".out");
      Path err = Files.createTempFile("e2e-run-", ".err");
      try {
        ProcessBuilder pb = new ProcessBuilder(argv).directory(TestBed.repoRoot().toFile())
            .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        p.getOutputStream().close();
        if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new IllegalStateException("no answer within " + limit + ": " + argv);
        }
        return new ExecResult(p.exitValue(), Files.readString(out), Files.readString(err));
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + argv, e);
    }
  }

  /** Replaces {@code file} with {@code content} in one step: a reader sees the old file or the whole new one. */
  static void writeAtomically(Path file, String content) {
    try {
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The last {@code n} lines of a log, or why it cannot be read. */
  static String tail(Path file, int n) {
    return lastLines(file, n, null);
  }

  /**
   * The last {@code n} lines of a log that match {@code pattern} (every line when null), or why it cannot be read.
   * Read as ISO-8859-1: a guest's console carries bytes that are not UTF-8, and a failure report must still show it.
   */
  static String lastLines(Path file, int n, java.util.regex.Pattern pattern) {
    try {
      if (!Files.exists(file)) {
        return "(no " + file + ")";
      }
      List<String> all = Files.readAllLines(file, StandardCharsets.ISO_8859_1).stream()
          .filter(l -> pattern == null || pattern.matcher(l).find()).toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }
}
