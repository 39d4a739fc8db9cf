package io.ocfs2iscsi.node.testing;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;

/**
 * Every worker of the JVM's common ForkJoin pool blocked until closed: what a node with several CPUs sees while
 * long host commands (mkfs, logins, a blkid on a queueing map) hold the pool's threads. Needs a common pool with
 * parallelism above 1 (the module's surefire configuration sets it); refuses to pretend otherwise.
 */
public final class SaturatedCommonPool implements AutoCloseable {

  private final CountDownLatch release = new CountDownLatch(1);

  public SaturatedCommonPool() {
    int workers = ForkJoinPool.getCommonPoolParallelism();
    if (workers < 2) {
      throw new IllegalStateException("the common pool has parallelism " + workers + ", where CompletableFuture"
          + " runs each task on a new thread; run with -Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
    }
    CountDownLatch busy = new CountDownLatch(workers);
    for (int i = 0; i < workers; i++) {
      ForkJoinPool.commonPool().execute(() -> {
        busy.countDown();
        while (true) {
          try {
            release.await();
            return;
          } catch (InterruptedException e) {
            // Blocked on purpose until closed.
          }
        }
      });
    }
    try {
      if (!busy.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the common pool did not start " + workers + " workers");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    release.countDown();
  }
}
