package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.REGION;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NodeUnstageVolume while something outside the host's mount namespace still uses the filesystem: the unmount at
 * the staging path succeeds, but this node keeps writing to the volume. Its o2cb heartbeat must keep running (the
 * other nodes would otherwise replay its journal under it), and the map and the sessions must stay.
 */
class UnstageWhileHeldTest {

  static final String HEARTBEAT_DIR = "/sys/kernel/config/cluster/iscsi/heartbeat/" + REGION;

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void staged() {
    host = new ReferenceHost(root).withClusterApplied();
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.fake.clearCalls();
  }

  @Test
  void aPodsMountNamespaceStillMountingTheFilesystemKeepsHeartbeatMapAndSessions() {
    host.holdInPrivateNamespace(4242, "sleep", "/data");

    assertThatThrownBy(this::unstage)
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("pid 4242 (sleep) at /data")
        .hasMessageContaining("mylun");

    assertNothingReleased();
  }

  @Test
  void onceTheNamespaceIsGoneARetriedUnstageCompletes() {
    host.holdInPrivateNamespace(4242, "sleep", "/data");
    assertThatThrownBy(this::unstage).isInstanceOf(NodeException.class);

    host.releasePrivateNamespace(4242);
    host.fake.clearCalls();
    unstage();

    assertThat(host.fake.calls())
        .doesNotContain("ocfs2_hb_ctl -K -u " + ReferenceHost.UUID)
        .contains("multipathd disablequeueing map mylun", "multipath -f mylun");
    assertThat(host.state.volume("mylun")).isEmpty();
    assertThat(host.loggedIn).isEmpty();
    assertThat(host.mapBuilt).isFalse();
  }

  /**
   * udev's blkid opens a map for a moment after mkfs or a path change (on real kernels FormatVolume's detach right
   * after mkfs finds the map "open once"; taking that for a user would leave its sessions behind). An open with no
   * mount that ends within the wait is not a user.
   */
  @Test
  void aBriefOpenWithoutAMountIsWaitedFor() {
    host.processOpens = 1;
    int[] reads = {0};
    host.fake.on("dmsetup", "info", "mylun").answer(a -> {
      if (++reads[0] == 3) {
        host.processOpens = 0;
      }
      return host.dmsetupInfoNow();
    });

    unstage();

    assertThat(host.fake.calls()).contains("multipathd disablequeueing map mylun", "multipath -f mylun");
    assertThat(host.state.volume("mylun")).isEmpty();
  }

  @Test
  void aProcessWithTheMapOpenKeepsQueueingTheMapAndTheSessions() {
    host.processOpens = 1;

    assertThatThrownBy(this::unstage)
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("/dev/mapper/mylun is open");

    assertThat(host.fake.calls())
        .noneMatch(c -> c.startsWith("multipathd disablequeueing") || c.startsWith("multipath -f")
            || c.contains("--logout"));
    assertThat(host.state.volume("mylun")).isPresent();
    assertThat(host.loggedIn).hasSize(2);
  }

  @Test
  void aHeartbeatOpenBeyondItsOwnRegionWithoutAVisibleMountIsStillNotStopped() {
    // A mount namespace kept alive without a process (a bind mount of its /proc/PID/ns/mnt): no mountinfo shows
    // it, but the kernel still counts the superblock's open besides the heartbeat region's.
    host.kernelLeavesRegion = true;
    host.processOpens = 1;

    assertThatThrownBy(this::unstage)
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("open 2 times");

    assertNothingReleased();
  }

  @Test
  void aStaleRegionOfAFilesystemMountedNowhereIsStillStopped() {
    host.kernelLeavesRegion = true;

    unstage();

    assertThat(host.fake.calls()).contains("ocfs2_hb_ctl -K -u " + ReferenceHost.UUID, "multipath -f mylun");
    assertThat(host.state.volume("mylun")).isEmpty();
  }

  @Test
  void aHeartbeatRegionWhoseMapIsGoneIsLeftRunning() {
    // The filesystem runs its heartbeat through a device that is not the volume's map (mounted by hand through a
    // bare path, say): nothing here can tell whether it is still mounted, so the heartbeat is not touched.
    host.kernelLeavesRegion = true;
    host.mapBuilt = false;

    assertThatThrownBy(this::unstage)
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("heartbeat is left running");

    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("ocfs2_hb_ctl") || c.contains("--logout"));
    assertThat(host.exists(HEARTBEAT_DIR)).isTrue();
    assertThat(host.state.volume("mylun")).isPresent();
  }

  private void unstage() {
    host.stager.unstage(new Requests.Unstage("mylun", STAGING));
  }

  private void assertNothingReleased() {
    assertThat(host.fake.calls())
        .noneMatch(c -> c.startsWith("ocfs2_hb_ctl") || c.startsWith("multipathd disablequeueing")
            || c.startsWith("multipath -f") || c.contains("--logout") || c.contains("-o delete"));
    assertThat(host.exists(HEARTBEAT_DIR)).isTrue();
    assertThat(host.state.volume("mylun")).isPresent();
    assertThat(host.loggedIn).hasSize(2);
    assertThat(host.mapBuilt).isTrue();
  }
}
