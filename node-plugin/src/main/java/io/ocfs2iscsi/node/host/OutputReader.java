package io.ocfs2iscsi.node.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * One output stream of a process (stdout or stderr), read to its end on a thread of its own. Never on a shared
 * pool: a pool bounded by the CPU count is held by long commands (mkfs, logins, a probe on a queueing map), and the
 * output of a short command would then never be read.
 */
final class OutputReader {

  /** What was read; {@code problem} is null when the stream was read to its end. */
  record Read(String text, String problem) {
    boolean complete() {
      return problem == null;
    }
  }

  private final String stream;
  private final Thread thread;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
  private volatile IOException failure;

  private OutputReader(String stream, InputStream in, String threadName) {
    this.stream = stream;
    this.thread = new Thread(() -> readAll(in), threadName);
    // A stream held open by a process that outlived its parent must not keep the plugin from exiting.
    thread.setDaemon(true);
  }

  /** Starts reading {@code in}; {@code stream} names it in problems ("stdout", "stderr"). */
  static OutputReader start(String stream, InputStream in, String threadName) {
    OutputReader r = new OutputReader(stream, in, threadName);
    r.thread.start();
    return r;
  }

  private void readAll(InputStream in) {
    try (in) {
      byte[] chunk = new byte[8192];
      for (int n; (n = in.read(chunk)) >= 0; ) {
        synchronized (buffer) {
          buffer.write(chunk, 0, n);
        }
      }
    } catch (IOException e) {
      failure = e;
    }
  }

  /**
   * Waits until {@code deadlineNanos} (System.nanoTime) for the end of the stream. The reader of a stream that is
   * still open then stays blocked until whoever holds the stream closes it: a blocking read of a pipe cannot be
   * interrupted.
   */
  Read awaitUntil(long deadlineNanos) {
    try {
      long left = deadlineNanos - System.nanoTime();
      if (left > 0) {
        thread.join(Math.max(1, left / 1_000_000));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Read(text(), stream + ": interrupted while reading");
    }
    if (thread.isAlive()) {
      return new Read(text(), stream + ": still open after the process ended (a process it started may hold it)");
    }
    if (failure != null) {
      return new Read(text(), stream + ": " + failure.getMessage());
    }
    return new Read(text(), null);
  }

  private String text() {
    synchronized (buffer) {
      return buffer.toString(StandardCharsets.UTF_8);
    }
  }
}
