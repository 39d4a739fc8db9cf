package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node died with the volume staged and boots again. Its state dir still holds the volume's record and the o2cb
 * cluster it had applied; everything in the kernel is gone. While it was down the others may have marked it out of
 * service and given its o2cb number to another node: the cluster it applied before the crash must not come online
 * again, only the one the operator applies after the boot.
 */
class RebootAfterNodeLossTest {

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void stagedThenCrashed() {
    host = new ReferenceHost(root).withClusterApplied();
    stage();
    host.crashAndBoot("0f7c3a52-9d61-4e0b-a1c4-6b2e8f9d3c10");
    host.fake.clearCalls();
  }

  void stage() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
  }

  /** drbd01 released while down, its number 0 now drbd03's; drbd01 joins again as number 2. */
  static ApplyClusterRequest afterRelease() {
    return ReferenceHost.clusterRequest().toBuilder().clearMembers()
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd03").setNumber(0).setAddress("10.10.1.21"))
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd02").setNumber(1).setAddress("10.10.1.19"))
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd01").setNumber(2).setAddress("10.10.1.17"))
        .setRevision("2/3")
        .build();
  }

  @Test
  void kubeletStagingBeforeTheOperatorAppliedTheClusterAgainWaitsInsteadOfUsingTheStaleMemberList() {
    assertThatThrownBy(this::stage)
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.UNAVAILABLE))
        .hasMessageContaining("before this node's last boot");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("o2cb register-cluster"));
    assertThat(host.read("/sys/kernel/config/cluster/iscsi/node/drbd01/num")).isEmpty();

    host.cluster.apply(afterRelease());
    stage();

    assertThat(host.read("/sys/kernel/config/cluster/iscsi/node/drbd01/num").strip()).isEqualTo("2");
    assertThat(host.mountTable()).anyMatch(l -> l.contains(STAGING) && l.contains("ocfs2"));
    StagedVolume v = host.state.volume("mylun").orElseThrow();
    assertThat(v.phase()).isEqualTo(StagedVolume.Phase.STAGED);
    assertThat(v.devices().keySet()).as("the disks' names of this boot, not the recorded ones").contains("sde", "sdf")
        .doesNotContain("sdc", "sdd");
  }

  @Test
  void theStaleRecordOfAVolumeWhosePodsMovedAwayIsUnstagedWithoutTouchingTheHost() {
    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.state.volume("mylun")).isEmpty();
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("umount") || c.startsWith("ocfs2_hb_ctl")
        || c.startsWith("o2cb register-cluster"));
    assertThat(host.loggedIn).isEmpty();
  }
}
