package io.ocfs2iscsi.e2e.kernel;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waiting on the guests from the host: polling a condition, sleeping. */
public final class Poll {

  private Poll() {}

  /** Polls {@code condition} every {@code every} until it holds or {@code limit} passes. */
  public static boolean waitFor(Duration limit, Duration every, BooleanSupplier condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      if (condition.getAsBoolean()) {
        return true;
      }
      if (System.nanoTime() >= deadline) {
        return false;
      }
      sleep(every);
    }
  }

  public static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
