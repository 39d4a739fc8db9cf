package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Taint;
import io.fabric8.kubernetes.api.model.TaintBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class NodeLossTest {

  static final Map<String, String> MEMBER = Map.of("ocfs2iscsi.io/member", "true");
  static final Instant T0 = Instant.parse("2026-12-01T20:00:00Z");
  /** o2cb's dead time with the current default deadThreshold 31: (31 - 1) x 2 s. */
  static final int DEAD_TIME = 60;

  /** A Node as the node lifecycle controller leaves it once kubelet stopped posting status. */
  static Node unknown(String name) {
    return new NodeBuilder().withNewMetadata().withName(name).withLabels(MEMBER).endMetadata()
        .withNewStatus().addNewCondition().withType("Ready").withStatus("Unknown").withReason("NodeStatusUnknown")
        .withLastTransitionTime("2026-12-01T19:59:20Z").endCondition().endStatus().build();
  }

  static Node tainted(Node node, String timeAdded) {
    return new NodeBuilder(node).withNewSpec().withTaints(
        new TaintBuilder().withKey("node.kubernetes.io/unreachable").withEffect("NoExecute").build(),
        new TaintBuilder().withKey(NodeLoss.OUT_OF_SERVICE).withValue("nodeshutdown").withEffect("NoExecute")
            .withTimeAdded(timeAdded).build()).endSpec().build();
  }

  @Test
  void aNodeIsLostWhileItsNodeIsNotReadyOrGone() {
    assertThat(NodeLoss.lost(ClusterNodesTest.node("n1", true, MEMBER))).isEmpty();
    assertThat(NodeLoss.lost(unknown("n1")))
        .contains("Node Ready=Unknown (NodeStatusUnknown) since 2026-12-01T19:59:20Z");
    assertThat(NodeLoss.lost(ClusterNodesTest.node("n1", false, MEMBER))).contains("Node Ready=False");
    assertThat(NodeLoss.lost(null)).contains("its Node object is gone");
  }

  @Test
  void onlyTheOutOfServiceTaintWithEffectNoExecuteMarksANodeGone() {
    assertThat(NodeLoss.outOfServiceTaint(unknown("n1"))).isEmpty();
    assertThat(NodeLoss.outOfServiceTaint(tainted(unknown("n1"), null))).map(Taint::getValue).contains("nodeshutdown");
    Node noSchedule = new NodeBuilder(unknown("n1")).withNewSpec().withTaints(new TaintBuilder()
        .withKey(NodeLoss.OUT_OF_SERVICE).withEffect("NoSchedule").build()).endSpec().build();
    assertThat(NodeLoss.outOfServiceTaint(noSchedule)).isEmpty();
    assertThat(NodeLoss.outOfServiceTaint(null)).isEmpty();
  }

  @Test
  void theMarkCountsFromTheTaintsTimeAddedElseFromWhenTheOperatorFirstSawIt() {
    Taint withTime = NodeLoss.outOfServiceTaint(tainted(unknown("n1"), "2026-12-01T19:58:00Z")).orElseThrow();
    Taint without = NodeLoss.outOfServiceTaint(tainted(unknown("n1"), null)).orElseThrow();
    Instant now = T0.plusSeconds(300);

    assertThat(NodeLoss.markedSince(withTime, Optional.of(T0), now)).isEqualTo(Instant.parse("2026-12-01T19:58:00Z"));
    assertThat(NodeLoss.markedSince(without, Optional.of(T0), now)).isEqualTo(T0);
    assertThat(NodeLoss.markedSince(without, Optional.empty(), now)).isEqualTo(now);
  }

  @Test
  void theNumberIsReleasedOnlyOnceTheDeadTimeHasPassedSinceTheMark() {
    assertThat(NodeLoss.releasable(T0, T0, DEAD_TIME)).isFalse();
    assertThat(NodeLoss.releasable(T0, T0.plusSeconds(DEAD_TIME - 1), DEAD_TIME)).isFalse();
    assertThat(NodeLoss.releasable(T0, T0.plusSeconds(DEAD_TIME), DEAD_TIME)).isTrue();
    assertThat(NodeLoss.untilReleasable(T0, T0.plusSeconds(15), DEAD_TIME)).isEqualTo(Duration.ofSeconds(45));
    assertThat(NodeLoss.untilReleasable(T0, T0.plusSeconds(90), DEAD_TIME)).isEqualTo(Duration.ZERO);
  }

  @Test
  void aNodeMarkedOutOfServiceIsNotSelectedEvenWhenReadyAgainAndJoinsAsANewMemberOnceUntainted() {
    Node back = tainted(ClusterNodesTest.node("n2", true, MEMBER), "2026-12-01T19:58:00Z");
    Set<String> withDriver = Set.of("n1", "n2");
    assertThat(ClusterNodes.selected(List.of(ClusterNodesTest.node("n1", true, MEMBER), back), MEMBER, withDriver))
        .containsExactly("n1");

    // Released while it was marked: the numbering no longer knows it; untainted, it takes the lowest free number.
    Map<String, Integer> previous = Map.of("n1", 0, "n2", 1);
    MemberNumbering.Result whileMarked = MemberNumbering.assign(previous, Set.of("n1"), Set.of("n1", "n2"),
        Map.of(), Set.of("n2"));
    assertThat(whileMarked.members()).extracting(MemberNumbering.Numbered::nodeName).containsExactly("n1");
    MemberNumbering.Result rejoined = MemberNumbering.assign(Map.of("n1", 0), Set.of("n1", "n2"),
        Set.of("n1", "n2"), Map.of(), Set.of());
    assertThat(rejoined.members()).extracting(MemberNumbering.Numbered::nodeName, MemberNumbering.Numbered::number,
        MemberNumbering.Numbered::held).containsExactly(
            org.assertj.core.groups.Tuple.tuple("n1", 0, false), org.assertj.core.groups.Tuple.tuple("n2", 1, false));
  }

  @Test
  void aLostNodeKeepsItsNumberHeldUntilItIsBackOrMarked() {
    // NotReady: not selected, the Node exists, nothing reported unmounted: held, nobody else gets number 1.
    MemberNumbering.Result lost = MemberNumbering.assign(Map.of("n1", 0, "n2", 1), Set.of("n1", "n3"),
        Set.of("n1", "n2", "n3"), Map.of(), Set.of());
    assertThat(lost.members()).extracting(MemberNumbering.Numbered::nodeName, MemberNumbering.Numbered::number,
        MemberNumbering.Numbered::held).containsExactly(
            org.assertj.core.groups.Tuple.tuple("n1", 0, false), org.assertj.core.groups.Tuple.tuple("n2", 1, true),
            org.assertj.core.groups.Tuple.tuple("n3", 2, false));
  }
}
