package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.golden;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.contract.ValueRules;
import java.util.List;
import org.junit.jupiter.api.Test;

/** corosync.conf and dlm.conf, compared byte for byte with golden files written by hand. */
class UserStackConfGoldenTest {

  @Test
  void twoMembersGetTwoNodeQuorumAndNodeIdsFromOne() {
    CorosyncConf conf = new CorosyncConf("iscsi", List.of(
        new CorosyncConf.Node(2, "drbd02", "10.10.1.19"),
        new CorosyncConf.Node(1, "drbd01", "10.10.1.17")), 0, false);

    assertThat(conf.render()).isEqualTo(golden("corosync-two-nodes.conf"));
  }

  @Test
  void anAuthenticatedClusterEncryptsAndSignsWithTheAuthkey() {
    CorosyncConf conf = new CorosyncConf("iscsi", List.of(
        new CorosyncConf.Node(1, "drbd01", "10.10.1.17"),
        new CorosyncConf.Node(2, "drbd02", "10.10.1.19")), 0, true);

    assertThat(conf.render()).isEqualTo(golden("corosync-two-nodes-authenticated.conf"));
  }

  @Test
  void threeMembersWithGapsAndATokenAreWrittenInNodeIdOrderWithoutTwoNode() {
    CorosyncConf conf = new CorosyncConf("prod_1", List.of(
        new CorosyncConf.Node(8, "node-b.example.org", "10.0.0.2"),
        new CorosyncConf.Node(3, "node-a", "10.0.0.1"),
        new CorosyncConf.Node(1, "node-c", "10.0.0.3")), 5000, false);

    assertThat(conf.render()).isEqualTo(golden("corosync-three-nodes-gaps.conf"));
  }

  @Test
  void oneMemberIsItsOwnQuorum() {
    CorosyncConf conf = new CorosyncConf("solo", List.of(new CorosyncConf.Node(1, "n1", "192.168.7.1")), 0, false);

    assertThat(conf.render()).contains("    node {\n        nodeid: 1\n").doesNotContain("two_node");
  }

  @Test
  void everyValueIsCheckedAndEachProblemNamesItsField() {
    assertThatThrownBy(() -> new CorosyncConf("a-name-that-is-far-too-long", List.of(
        new CorosyncConf.Node(0, "bad name", "10.0.0.1"),
        new CorosyncConf.Node(256, "n2", "10.0.0.1\n}"),
        new CorosyncConf.Node(3, "n2", "10.0.0.3")), 999, false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("corosync.conf: totem.cluster_name: must be " + ValueRules.CLUSTER_NAME_RULE + "; totem.token:"
            + " must be 0 (corosync's 3000) or 1000..120000 ms, got 999;"
            + " nodelist.node[0].nodeid: must be 1..255, got 0; nodelist.node[0].name: must be "
            + ValueRules.NODE_NAME_RULE + ", got 'bad name'; nodelist.node[1].nodeid: must be 1..255, got 256;"
            + " nodelist.node[1].ring0_addr: must be an IPv4 address, got '10.0.0.1\\n}';"
            + " nodelist.node[2].name: duplicate n2");
  }

  @Test
  void duplicateNodeIdsAndAddressesAndAnEmptyListAreRefused() {
    assertThatThrownBy(() -> new CorosyncConf("c", List.of(
        new CorosyncConf.Node(1, "a", "10.0.0.1"),
        new CorosyncConf.Node(1, "b", "10.0.0.1")), 0, false))
        .hasMessage("corosync.conf: nodelist.node[1].nodeid: duplicate 1; nodelist.node[1].ring0_addr: duplicate"
            + " 10.0.0.1");
    assertThatThrownBy(() -> new CorosyncConf("c", List.of(), 0, false))
        .hasMessage("corosync.conf: nodelist: at least one node is needed");
  }

  @Test
  void dlmConfWaitingForRejoin() {
    assertThat(DlmConf.render(DlmConf.Fencing.WAIT_FOR_REJOIN)).isEqualTo(golden("dlm-wait-for-rejoin.conf"));
  }

  @Test
  void dlmConfWithoutFencing() {
    assertThat(DlmConf.render(DlmConf.Fencing.DISABLED)).isEqualTo(golden("dlm-fencing-disabled.conf"));
  }

  @Test
  void dlmConfWithPersistentReservationFencing() {
    assertThat(DlmConf.renderPersistentReservation("/usr/local/lib/ocfs2-iscsi/fence_ocfs2_iscsi", "e736e556", 2))
        .isEqualTo(golden("dlm-persistent-reservation.conf"));
  }

  /** dlm_controld adds the failed node's node=<id> line only when the device's arguments contain no "node=". */
  @Test
  void theFenceArgumentsNeverContainNodeEquals() {
    String conf = DlmConf.renderPersistentReservation("/usr/local/lib/ocfs2-iscsi/fence_ocfs2_iscsi", "e736e556", 2);
    String fenceAll = conf.lines().filter(l -> l.startsWith("fence_all ")).findFirst().orElseThrow();
    assertThat(fenceAll).doesNotContain("node=");
  }

  @Test
  void fenceArgumentsAreValidated() {
    assertThatThrownBy(() -> DlmConf.renderPersistentReservation("fence_x", "e736e556", 2))
        .hasMessageContaining("absolute path");
    assertThatThrownBy(() -> DlmConf.renderPersistentReservation("/a/b", "e736e556 node=1", 2))
        .hasMessageContaining("cluster_key 8 lowercase hex digits (got 'e736e556 node=1')");
    assertThatThrownBy(() -> DlmConf.renderPersistentReservation("/a/b", "e736e556", 0))
        .hasMessageContaining("local_id 1..255 (got 0)");
    assertThatThrownBy(() -> DlmConf.render(DlmConf.Fencing.PERSISTENT_RESERVATION))
        .hasMessageContaining("needs its agent's arguments");
  }
}
