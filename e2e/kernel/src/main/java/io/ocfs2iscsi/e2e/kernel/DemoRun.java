package io.ocfs2iscsi.e2e.kernel;

/** What the demo runs: the cluster path, or the faster path where the demo plays kubelet. */
interface DemoRun extends AutoCloseable {
  void run() throws Exception;

  String diagnostics();

  @Override
  void close();

  /** Fails the run with {@code message} unless {@code ok}. */
  static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
