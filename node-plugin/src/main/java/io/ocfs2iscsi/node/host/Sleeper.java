package io.ocfs2iscsi.node.host;

import java.time.Duration;

/** Waits between retries; tests replace it so that bounded waits cost no time. */
@FunctionalInterface
public interface Sleeper {

  void sleep(Duration d);

  Sleeper REAL =
      d -> {
        try {
          Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting", e);
        }
      };
}
