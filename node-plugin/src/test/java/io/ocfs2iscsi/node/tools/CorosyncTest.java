package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** corosync's tools, replaying outputs captured in the real-kernel guests (captured/e2e/user-stack). */
class CorosyncTest {

  private static final String DIR = "e2e/user-stack/";

  FakeCommandRunner fake = new FakeCommandRunner();
  Corosync corosync = new Corosync(fake);

  @Test
  void twoMembersQuorate() {
    fake.on("corosync-quorumtool", "-s").reply(0, captured(DIR + "corosync-quorumtool-s.txt"), "");

    Corosync.Quorum q = corosync.quorum().orElseThrow();

    assertThat(q).isEqualTo(new Corosync.Quorum(true, 1, List.of(1, 2)));
  }

  @Test
  void aLoneTwoNodeMemberWaitsForAllAndIsNotQuorate() {
    fake.on("corosync-quorumtool", "-s").reply(2, captured(DIR + "corosync-quorumtool-s-waiting-for-all.txt"), "");

    assertThat(corosync.quorum()).contains(new Corosync.Quorum(false, 1, List.of(1)));
  }

  @Test
  void aTwoNodeMemberStaysQuorateWhenItsPeerLeaves() {
    fake.on("corosync-quorumtool", "-s").reply(0, captured(DIR + "corosync-quorumtool-s-peer-left.txt"), "");

    assertThat(corosync.quorum()).contains(new Corosync.Quorum(true, 1, List.of(1)));
  }

  @Test
  void corosyncNotRunningIsNoQuorumAtAll() {
    fake.on("corosync-quorumtool", "-s").reply(1, captured(DIR + "corosync-quorumtool-s-not-running.txt"),
        captured(DIR + "corosync-quorumtool-s-not-running.stderr.txt"));

    assertThat(corosync.quorum()).isEmpty();
  }

  @Test
  void quorumtoolMissingIsAToolFailureNotAStoppedCorosync() {
    fake.on("corosync-quorumtool", "-s").reply(127, "", "");

    assertThatThrownBy(() -> corosync.quorum()).isInstanceOf(ToolFailure.class)
        .hasMessageContaining("corosync-quorumtool -s");
  }

  @Test
  void theRunningClusterNameComesFromCmap() {
    fake.on("corosync-cmapctl", "-g", "totem.cluster_name")
        .reply(0, captured(DIR + "corosync-cmapctl-g-cluster-name.txt"), "");

    assertThat(corosync.clusterName()).contains("iscsi");
  }

  @Test
  void noClusterNameWhileCorosyncIsDown() {
    // Only the exit code counts here; no stderr of this case was captured.
    fake.on("corosync-cmapctl", "-g", "totem.cluster_name").reply(1, "", "");

    assertThat(corosync.clusterName()).isEqualTo(Optional.empty());
  }

  @Test
  void startsDetachedWithoutSystemdAndThroughTheUnitWithIt() {
    fake.on("corosync").reply(0, "", "");
    fake.on("systemctl", "start", "corosync.service").reply(0, "", "");

    corosync.start(false);
    corosync.start(true);

    assertThat(fake.calls()).containsExactly("corosync", "systemctl start corosync.service");
  }

  @Test
  void aFailedStartNamesTheCommand() {
    fake.on("corosync").reply(8, "", "");

    assertThatThrownBy(() -> corosync.start(false)).isInstanceOf(ToolFailure.class)
        .hasMessageContaining("starting corosync").hasMessageContaining("corosync");
  }

  @Test
  void reloadTellsEveryInstanceToReadItsConfigAgain() {
    fake.on("corosync-cfgtool", "-R").reply(0, "", "");

    corosync.reload();

    assertThat(fake.calls()).containsExactly("corosync-cfgtool -R");
  }
}
