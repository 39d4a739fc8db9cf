package io.ocfs2iscsi.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class VolumeLocksTest {

  @Test
  void aCallOnAVolumeBusyWithAnotherCallIsAbortedAtOnce() {
    VolumeLocks locks = new VolumeLocks(Duration.ofSeconds(30));
    try (VolumeLocks.Held held = locks.acquire("mylun", "NodeStageVolume")) {
      long t = System.nanoTime();
      assertThatThrownBy(() -> locks.acquire("mylun", "NodePublishVolume"))
          .isInstanceOfSatisfying(NodeException.class,
              e -> assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED));
      assertThat(System.nanoTime() - t).isLessThan(TimeUnit.SECONDS.toNanos(5));
      assertThat(locks.tryAcquire("mylun")).as("background work skips a busy volume").isNull();
      try (VolumeLocks.Held other = locks.acquire("otherlun", "NodeStageVolume")) {
        assertThat(other).isNotNull();
      }
    }
    try (VolumeLocks.Held again = locks.acquire("mylun", "NodePublishVolume")) {
      assertThat(again).isNotNull();
    }
  }

  private static final IscsiTarget LUN_0 =
      IscsiTarget.newBuilder().setIqn("iqn.2016-02.local.virtual:virtual.vg1").setLun(0).build();

  @Test
  void twoVolumesNamingTheSameLunAreNotChangedAtOnce() {
    VolumeLocks locks = new VolumeLocks(Duration.ofSeconds(30));
    try (VolumeLocks.Held format = locks.acquire("a", LUN_0, "FormatVolume")) {
      assertThatThrownBy(() -> locks.acquire("b", LUN_0, "NodeStageVolume"))
          .isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED);
            assertThat(e.getMessage()).contains("LUN 0 of iqn.2016-02.local.virtual:virtual.vg1")
                .contains("FormatVolume of volume a");
          });
      try (VolumeLocks.Held unstage = locks.acquire("b", "NodeUnstageVolume")) {
        assertThatThrownBy(() -> unstage.alsoLun(LUN_0)).isInstanceOf(NodeException.class);
      }
      try (VolumeLocks.Held b = locks.acquire("b", LUN_0.toBuilder().setLun(1).build(), "NodeStageVolume")) {
        assertThat(b).as("another LUN of the same target is free").isNotNull();
      }
      try (VolumeLocks.Held b = locks.acquire("b", "NodePublishVolume")) {
        assertThat(b).as("a refused call leaves its volume's lock free").isNotNull();
      }
    }
    try (VolumeLocks.Held b = locks.acquire("b", LUN_0, "NodeStageVolume")) {
      assertThat(b).isNotNull();
    }
  }

  @Test
  void aCallWaitsForBackgroundWorkInsteadOfFailing() throws Exception {
    VolumeLocks locks = new VolumeLocks(Duration.ofSeconds(30));
    VolumeLocks.Held background = locks.tryAcquire("mylun");
    assertThat(background).isNotNull();
    CompletableFuture<Void> release = CompletableFuture.runAsync(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      background.close();
    });
    try (VolumeLocks.Held held = locks.acquire("mylun", "NodeStageVolume")) {
      assertThat(held).isNotNull();
      assertThatThrownBy(() -> locks.acquire("mylun", "NodeStageVolume")).isInstanceOf(NodeException.class);
    }
    release.get(5, TimeUnit.SECONDS);
  }

  @Test
  void backgroundWorkThatOutlastsTheWaitStillAbortsTheCall() {
    VolumeLocks locks = new VolumeLocks(Duration.ofMillis(200));
    try (VolumeLocks.Held background = locks.tryAcquire("mylun")) {
      assertThatThrownBy(() -> locks.acquire("mylun", "NodeStageVolume"))
          .isInstanceOfSatisfying(NodeException.class,
              e -> assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED));
    }
  }

  @Test
  void twoCallsWaitingForBackgroundWorkGetTheVolumeOneAtATime() throws Exception {
    VolumeLocks locks = new VolumeLocks(Duration.ofSeconds(30));
    VolumeLocks.Held background = locks.tryAcquire("mylun");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.Callable<String> call = () -> {
      try (VolumeLocks.Held held = locks.acquire("mylun", "NodeStageVolume")) {
        release.await(5, TimeUnit.SECONDS);
        return "ok";
      } catch (NodeException e) {
        return e.code().name();
      }
    };
    var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      var a = pool.submit(call);
      var b = pool.submit(call);
      Thread.sleep(200);
      assertThat(a.isDone() || b.isDone()).as("both calls wait for the background work").isFalse();
      background.close();
      // One call gets the volume; the other finds it held by a call and is refused (ABORTED), not queued.
      String first = a.isDone() ? a.get() : null;
      Thread.sleep(200);
      release.countDown();
      assertThat(java.util.List.of(a.get(5, TimeUnit.SECONDS), b.get(5, TimeUnit.SECONDS)))
          .containsExactlyInAnyOrder("ok", "ABORTED");
      assertThat(first).isNotEqualTo("ok");
    } finally {
      pool.shutdownNow();
    }
    background.close();
    try (VolumeLocks.Held again = locks.tryAcquire("mylun")) {
      assertThat(again).as("closing a lock twice releases it once and leaves it free").isNotNull();
    }
  }
}
