package io.ocfs2iscsi.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TargetLocksTest {

  private static final String IQN = ReferenceHost.IQN;

  @Test
  void aSecondCallOnTheSameTargetWaitsForTheFirst() throws Exception {
    TargetLocks locks = new TargetLocks(Duration.ofSeconds(30));
    TargetLocks.Held first = locks.acquire(IQN, "logout for mylun");

    CompletableFuture<Void> second =
        CompletableFuture.runAsync(() -> locks.acquire(IQN, "login for other").close());
    Thread.sleep(200);
    assertThat(second).as("waits while the first holds the target").isNotDone();

    first.close();
    second.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aCallThatWaitsLongerThanTheBoundIsAbortedAndNamesTheHolder() {
    TargetLocks locks = new TargetLocks(Duration.ofMillis(100));
    try (TargetLocks.Held first = locks.acquire(IQN, "logout for mylun")) {
      assertThatThrownBy(() -> CompletableFuture.runAsync(() -> locks.acquire(IQN, "login for other")).join())
          .hasCauseInstanceOf(NodeException.class)
          .cause()
          .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.ABORTED))
          .hasMessageContaining("logout for mylun")
          .hasMessageContaining("login for other will be retried");
    }
  }

  @Test
  void otherTargetsDoNotWait() throws Exception {
    TargetLocks locks = new TargetLocks(Duration.ofSeconds(30));
    try (TargetLocks.Held first = locks.acquire(IQN, "logout for mylun")) {
      CompletableFuture.runAsync(() -> locks.acquire("iqn.2020-01.example:other", "login").close())
          .get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theNodeRecordsHaveOneLockForTheWholeNode() {
    TargetLocks locks = new TargetLocks(Duration.ofMillis(100));
    try (TargetLocks.Held first = locks.nodeRecords("discovery through 192.168.0.180:3260")) {
      assertThatThrownBy(() -> CompletableFuture.runAsync(() -> locks.nodeRecords("logout from x")).join())
          .hasCauseInstanceOf(NodeException.class)
          .hasMessageContaining("node records is busy on this node (discovery through 192.168.0.180:3260)");
    }
  }

  @Test
  void aVolumeInUseIsListedUntilTheCallCloses() {
    TargetLocks locks = new TargetLocks();
    try (TargetLocks.Held use = locks.use(ReferenceHost.spec())) {
      assertThat(locks.attaching(IQN)).containsExactly(ReferenceHost.spec());
      assertThat(locks.attaching("iqn.2020-01.example:other")).isEmpty();
    }
    assertThat(locks.attaching(IQN)).isEmpty();
  }
}
