package io.ocfs2iscsi.node.grpc;

import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import csi.v1.NodeUnstageVolumeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CSI Node call whose host command never returns (umount in uninterruptible sleep after the SAN went away) still
 * answers its caller within a bound, and a retry joins the command that still runs instead of starting another one.
 */
class BoundedNodeCallsTest {

  @TempDir Path root;
  InProcessPlugin plugin;
  final CountDownLatch sanBack = new CountDownLatch(1);

  @BeforeEach
  void stagedThenSanGone() {
    plugin = new InProcessPlugin(new ReferenceHost(root).withClusterApplied());
    plugin.node.nodeStageVolume(NodeServiceTest.stageRequest().build());
    plugin.host.umountHangsUntil = sanBack;
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    sanBack.countDown();
    plugin.close();
  }

  static NodeUnstageVolumeRequest unstage() {
    return NodeUnstageVolumeRequest.newBuilder().setVolumeId("mylun").setStagingTargetPath(STAGING).build();
  }

  /**
   * The call made from another thread, so that a call that never answers fails the test instead of hanging it (the
   * in-process server runs the call on the caller's thread, where the client's deadline cannot interrupt it).
   */
  void unstageAnswersWithin(int seconds, int deadlineSeconds) throws Exception {
    CompletableFuture<Object> call = CompletableFuture.supplyAsync(
        () -> plugin.node.withDeadlineAfter(deadlineSeconds, TimeUnit.SECONDS).nodeUnstageVolume(unstage()));
    try {
      call.get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw (RuntimeException) e.getCause();
    }
  }

  @Test
  void anUnstageStuckInUmountAnswersBeforeTheCallersDeadlineAndARetryJoinsIt() throws Exception {
    long started = System.nanoTime();
    assertThatThrownBy(() -> unstageAnswersWithin(6, 3))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          // The plugin's own answer, not the client's deadline running out: it says what still runs.
          assertThat(e.getStatus().getDescription()).contains("NodeUnstageVolume of volume mylun still runs");
        });
    assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isLessThan(3_000);

    assertThatThrownBy(() -> unstageAnswersWithin(6, 3))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
          assertThat(e.getStatus().getDescription()).contains("still runs");
        });
    assertThat(plugin.host.umountsStarted.get()).as("a retry joins the umount that still runs").isEqualTo(1);

    sanBack.countDown();
    unstageAnswersWithin(10, 10);
    assertThat(plugin.host.loggedIn).isEmpty();
    assertThat(plugin.host.state.volume("mylun")).isEmpty();
  }
}
