package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec.NodeSlotsPolicy;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeSlotsTest {

  static final List<String> THREE = List.of("n1", "n2", "n3");
  static final String DEVICE = "/dev/mapper/mylun";

  static NodeVolumeStatus answered(String node, boolean mounted) {
    NodeVolumeStatus s = new NodeVolumeStatus();
    s.setNode(node);
    s.setMounted(mounted);
    return s;
  }

  static NodeVolumeStatus silent(String node) {
    NodeVolumeStatus s = new NodeVolumeStatus();
    s.setNode(node);
    return s;
  }

  static NodeSlots.Decision decide(NodeSlotsPolicy policy, int slots, int spec, List<NodeVolumeStatus> health) {
    return NodeSlots.decide(policy, slots, spec, THREE, THREE, health, "iscsi", DEVICE);
  }

  static final List<NodeVolumeStatus> NONE_MOUNTED =
      List.of(answered("n1", false), answered("n2", false), answered("n3", false));

  @Test
  void asManySlotsAsMembersIsEnough() {
    assertThat(NodeSlots.decide(NodeSlotsPolicy.Automatic, 3, 3, THREE, THREE, NONE_MOUNTED, "iscsi", DEVICE))
        .isInstanceOf(NodeSlots.Enough.class);
  }

  @Test
  void automaticAddsUpToTheMemberCountOnTheFirstAppliedMemberOnceNoneMounts() {
    assertThat(decide(NodeSlotsPolicy.Automatic, 2, 2, NONE_MOUNTED)).isEqualTo(new NodeSlots.AddOn("n1", 2, 3));
  }

  @Test
  void aLargerSpecCountIsWhatIsAdded() {
    assertThat(decide(NodeSlotsPolicy.Automatic, 2, 8, NONE_MOUNTED)).isEqualTo(new NodeSlots.AddOn("n1", 2, 8));
  }

  @Test
  void automaticWaitsWhileANodeMountsAndSaysItAddsThemLater() {
    NodeSlots.Decision d = decide(NodeSlotsPolicy.Automatic, 2, 2,
        List.of(answered("n1", true), answered("n2", false), answered("n3", false)));

    assertThat(d).isInstanceOf(NodeSlots.Wait.class);
    assertThat(((NodeSlots.Wait) d).message())
        .contains("3 nodes are members of Ocfs2Cluster iscsi but the filesystem has 2 node slots")
        .contains("the operator adds slots (2 -> 3) as soon as no node mounts the volume")
        .contains("mounted on n1 now").doesNotContain("run `tunefs");
  }

  /** A node whose agent does not answer may mount the volume: tunefs.ocfs2 would refuse, or worse, race its mount. */
  @Test
  void automaticWaitsForASilentNode() {
    NodeSlots.Decision d = decide(NodeSlotsPolicy.Automatic, 2, 2,
        List.of(answered("n1", false), silent("n2"), answered("n3", false)));

    assertThat(((NodeSlots.Wait) d).message()).contains("the node agent of n2 does not answer");
  }

  /** A node that left the cluster but still mounts the volume (in the health list, not a member) counts too. */
  @Test
  void aLeavingNodeThatStillMountsKeepsTheSlotsAsTheyAre() {
    List<NodeVolumeStatus> health = List.of(answered("n1", false), answered("n2", false), answered("n3", false),
        answered("old", true));

    assertThat(((NodeSlots.Wait) decide(NodeSlotsPolicy.Automatic, 2, 2, health)).message())
        .contains("mounted on old");
  }

  @Test
  void slotsAreAddedOnlyWhereTheClusterIsOnline() {
    NodeSlots.Decision d = NodeSlots.decide(NodeSlotsPolicy.Automatic, 2, 2, THREE, List.of("n3"), NONE_MOUNTED,
        "iscsi", DEVICE);
    assertThat(d).isEqualTo(new NodeSlots.AddOn("n3", 2, 3));

    NodeSlots.Decision none = NodeSlots.decide(NodeSlotsPolicy.Automatic, 2, 2, THREE, List.of(), NONE_MOUNTED,
        "iscsi", DEVICE);
    assertThat(((NodeSlots.Wait) none).message()).contains("no member with the cluster online answers yet");
  }

  @Test
  void manualNeverAddsAndGivesTheCommand() {
    NodeSlots.Decision d = decide(NodeSlotsPolicy.Manual, 2, 2, NONE_MOUNTED);

    assertThat(((NodeSlots.Wait) d).message()).contains("spec.filesystem.nodeSlotsPolicy: Manual")
        .contains("while no node mounts it").contains("`tunefs.ocfs2 -N 3 /dev/mapper/mylun`")
        .contains("set spec.filesystem.nodeSlots to 3");
  }

  @Test
  void theEventSaysOldToNewAndHowLong() {
    assertThat(NodeSlots.added(new NodeSlots.AddOn("n1", 2, 3), 1234))
        .isEqualTo("node n1 added node slots to the filesystem: 2 -> 3 (1234 ms, while no node mounted it)");
  }
}
