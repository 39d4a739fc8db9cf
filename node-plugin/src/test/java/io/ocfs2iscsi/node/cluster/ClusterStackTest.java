package io.ocfs2iscsi.node.cluster;

import static io.ocfs2iscsi.node.Fixtures.golden;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.volume.Requests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterStackTest {

  private static final String CONFIG = "/sys/kernel/config/cluster/iscsi/";

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root);
  }

  @Test
  void applyOnAFreshNodeBringsO2cbUpWithoutSystemd() {
    ClusterStack.Applied a = host.cluster.apply(ReferenceHost.clusterRequest());

    assertThat(host.fake.calls())
        .containsExactly(
            "uname -n",
            "modprobe ocfs2_stack_o2cb",
            "modprobe ocfs2_dlmfs",
            "modprobe ocfs2",
            "mount -t configfs -o rw none /sys/kernel/config",
            "mount -t ocfs2_dlmfs -o rw ocfs2_dlmfs /dlm",
            "o2cb register-cluster iscsi");
    assertThat(host.read("/etc/ocfs2/cluster.conf")).isEqualTo(golden("cluster-reference.conf"));
    assertThat(a).isEqualTo(new ClusterStack.Applied(true, true, ""));
    assertThat(host.state.cluster()).contains(ReferenceHost.clusterRequest());
  }

  @Test
  void applyingTheSameClusterAgainChangesNothing() {
    host.cluster.apply(ReferenceHost.clusterRequest());
    host.fake.clearCalls();

    ClusterStack.Applied a = host.cluster.apply(ReferenceHost.clusterRequest());

    assertThat(host.fake.calls()).isEmpty();
    assertThat(a.changed()).isFalse();
    assertThat(a.online()).isTrue();
  }

  @Test
  void aNewMemberJoinsTheOnlineClusterWithoutUnmountingAnything() {
    host.cluster.apply(ReferenceHost.clusterRequest());
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.fake.clearCalls();
    ApplyClusterRequest threeNodes =
        ReferenceHost.clusterRequest().toBuilder()
            .addMembers(ClusterMember.newBuilder().setNodeName("drbd03").setNumber(2).setAddress("10.10.1.21"))
            .setRevision("1/2")
            .build();

    ClusterStack.Applied a = host.cluster.apply(threeNodes);

    assertThat(host.fake.calls()).containsExactly("o2cb register-cluster iscsi");
    assertThat(a.changed()).isTrue();
    assertThat(host.read("/etc/ocfs2/cluster.conf")).contains("node_count = 3").contains("name = drbd03");
    assertThat(host.read(CONFIG + "node/drbd03/ipv4_address")).isEqualTo("10.10.1.21\n");
    assertThat(host.mountTable()).anyMatch(l -> l.contains(STAGING));
  }

  @Test
  void timeoutsAreWrittenToConfigfsInAnOrderTheKernelAccepts() {
    host.cluster.apply(ReferenceHost.clusterRequest());

    host.cluster.apply(
        ReferenceHost.clusterRequest().toBuilder()
            .setTimeouts(
                O2cbTimeouts.newBuilder()
                    .setHeartbeatDeadThreshold(61)
                    .setIdleTimeoutMs(10000)
                    .setKeepaliveDelayMs(5000)
                    .setReconnectDelayMs(2000))
            .build());

    assertThat(host.read(CONFIG + "heartbeat/dead_threshold")).isEqualTo("61");
    assertThat(host.read(CONFIG + "idle_timeout_ms")).isEqualTo("10000");
    assertThat(host.read(CONFIG + "keepalive_delay_ms")).isEqualTo("5000");
    assertThat(host.read(CONFIG + "reconnect_delay_ms")).isEqualTo("2000\n");
  }

  @Test
  void aRequestWithoutADeadThresholdGetsTheProductsDefaultNotO2cbsOwn() {
    host.cluster.apply(ReferenceHost.clusterRequest());

    host.cluster.apply(ReferenceHost.clusterRequest().toBuilder()
        .setTimeouts(ReferenceHost.clusterRequest().getTimeouts().toBuilder().clearHeartbeatDeadThreshold())
        .build());

    assertThat(host.read(CONFIG + "heartbeat/dead_threshold"))
        .isEqualTo(Integer.toString(O2cbClusterRules.DEAD_THRESHOLD_DEFAULT));
  }

  @Test
  void aTimeoutTheKernelRefusesIsReportedAsPending() throws Exception {
    host.cluster.apply(ReferenceHost.clusterRequest());
    // An attribute that cannot be written, as o2net refuses idle_timeout_ms while peers are connected.
    Path idle = root.resolve(CONFIG.substring(1) + "idle_timeout_ms");
    Files.delete(idle);
    Files.createDirectory(idle);

    ClusterStack.Applied a =
        host.cluster.apply(
            ReferenceHost.clusterRequest().toBuilder()
                .setTimeouts(ReferenceHost.clusterRequest().getTimeouts().toBuilder().setIdleTimeoutMs(60000))
                .build());

    assertThat(a.online()).isTrue();
    assertThat(a.pending()).contains("idle_timeout_ms=60000 not applied live");
  }

  @Test
  void aClusterWithoutThisNodeIsKeptButNotBroughtOnline() {
    ClusterStack.Applied a =
        host.cluster.apply(ReferenceHost.clusterRequest().toBuilder().removeMembers(0).build());

    assertThat(a.online()).isFalse();
    assertThat(a.pending()).contains("host name drbd01");
    assertThat(host.fake.calls()).containsExactly("uname -n");
    assertThat(host.state.cluster()).isPresent();
  }

  @Test
  void afterARebootTheSavedClusterComesBackOnStage() throws Exception {
    host.cluster.apply(ReferenceHost.clusterRequest());
    // Reboot: configfs and dlmfs are gone, the state dir and cluster.conf stay.
    host.write("/proc/self/mounts", "/dev/ubda / ext4 rw,relatime 0 0\n");
    try (var walk = Files.walk(root.resolve("sys/kernel/config"))) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    ClusterStack afterReboot = new ClusterStack(host.tools, host.state);
    host.fake.clearCalls();

    afterReboot.ensureOnlineFor("iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    assertThat(host.fake.calls())
        .containsExactly(
            "uname -n",
            "modprobe ocfs2_stack_o2cb",
            "modprobe ocfs2_dlmfs",
            "modprobe ocfs2",
            "mount -t configfs -o rw none /sys/kernel/config",
            "mount -t ocfs2_dlmfs -o rw ocfs2_dlmfs /dlm",
            "o2cb register-cluster iscsi");
  }

  @Test
  void invalidClustersAreRefusedBeforeAnythingIsWritten() {
    ApplyClusterRequest dupNumbers =
        ReferenceHost.clusterRequest().toBuilder()
            .setMembers(1, ClusterMember.newBuilder().setNodeName("drbd02").setNumber(0).setAddress("10.10.1.19"))
            .build();
    ApplyClusterRequest badName = ReferenceHost.clusterRequest().toBuilder().setClusterName("bad name;").build();
    ApplyClusterRequest badAddress =
        ReferenceHost.clusterRequest().toBuilder()
            .setMembers(0, ClusterMember.newBuilder().setNodeName("drbd01").setNumber(0).setAddress("10.10.1.300"))
            .build();
    ApplyClusterRequest keepaliveAboveIdle =
        ReferenceHost.clusterRequest().toBuilder()
            .setTimeouts(ReferenceHost.clusterRequest().getTimeouts().toBuilder().setKeepaliveDelayMs(40000))
            .build();

    for (ApplyClusterRequest r : List.of(dupNumbers, badName, badAddress, keepaliveAboveIdle)) {
      assertThatThrownBy(() -> host.cluster.apply(r))
          .isInstanceOfSatisfying(
              NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT));
    }
    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.state.cluster()).isEmpty();
    assertThat(host.exists("/etc/ocfs2/cluster.conf")).isFalse();
  }

  @Test
  void localNodeMatchesO2cbsRule() {
    assertThat(ClusterStack.isLocal("node1", "node1")).isTrue();
    assertThat(ClusterStack.isLocal("node1", "node1.example.com")).isTrue();
    assertThat(ClusterStack.isLocal("Node1", "node1")).isTrue();
    assertThat(ClusterStack.isLocal("node1", "node10")).isFalse();
    assertThat(ClusterStack.isLocal("node1.example.com", "node1")).isFalse();
  }
}
