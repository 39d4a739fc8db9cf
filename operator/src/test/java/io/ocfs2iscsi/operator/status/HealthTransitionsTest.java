package io.ocfs2iscsi.operator.status;

import static io.ocfs2iscsi.operator.status.NodeHealthViewsTest.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.status.HealthTransitions.Transition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthTransitionsTest {

  private static final String P1 = "192.168.0.180:3260";
  private static final String P2 = "10.20.1.180:3260";

  private static NodeVolumeStatus healthy(String node) {
    return NodeHealthViews.of(node, health(true, 2, 0, P1, "LOGGED_IN", P2, "LOGGED_IN"));
  }

  private static NodeVolumeStatus onePathDown(String node) {
    return NodeHealthViews.of(node, health(true, 1, 1, P1, "LOGGED_IN", P2, "FAILED").toBuilder()
        .addProblems("session on " + P2 + " is FAILED").build());
  }

  private static NodeVolumeStatus notMounted(String node) {
    return NodeHealthViews.of(node, health(false, 0, 0));
  }

  private static List<Transition> between(List<NodeVolumeStatus> before, List<NodeVolumeStatus> after) {
    return HealthTransitions.between(before, after);
  }

  @Test
  void manyNodesChangingInOnePollMakeOneEventPerReasonThatNamesTheFirstAndCountsTheRest() {
    List<NodeVolumeStatus> before = new ArrayList<>();
    List<NodeVolumeStatus> after = new ArrayList<>();
    for (int i = 1; i <= 8; i++) {
      after.add(healthy("n" + i));
    }
    before.add(healthy("x"));
    before.add(healthy("a"));
    after.add(onePathDown("a"));
    List<Transition> grouped = HealthTransitions.grouped(between(before, after));
    assertThat(grouped).extracting((Transition x) -> x.reason().name())
        .containsExactly("NodeMounted", "PathLost", "NodeLeft");
    Transition joined = grouped.get(0);
    assertThat(joined.warning()).isFalse();
    assertThat(joined.message()).startsWith("8 nodes: node n1 mounted the volume; node n2")
        .contains("node n5 mounted").doesNotContain("node n6").endsWith("; and 3 more");
    assertThat(grouped.get(1).warning()).isTrue();
    assertThat(grouped.get(1).message()).isEqualTo(between(List.of(healthy("a")), List.of(onePathDown("a"))).get(0)
        .message());
    assertThat(HealthTransitions.grouped(List.of())).isEmpty();
  }

  @Test
  void aFilesystemThatGoesReadOnlyIsOneWarningEvent() {
    NodeVolumeStatus ro = NodeHealthViews.of("a", health(true, 2, 0, P1, "LOGGED_IN", P2, "LOGGED_IN").toBuilder()
        .setReadOnly(true).build());

    assertThat(between(List.of(healthy("a")), List.of(ro)))
        .extracting(Transition::warning, Transition::reason, Transition::message)
        .containsExactly(tuple(true, VolumeReason.FilesystemReadOnly, "node a: the filesystem went read-only; writes"
            + " there fail until the node unmounts and stages it again (see the Ready condition)"));
    assertThat(between(List.of(ro), List.of(ro))).as("steady: no new event").isEmpty();
    assertThat(between(List.of(notMounted("a")), List.of(ro))).extracting(Transition::reason)
        .contains(VolumeReason.NodeMounted, VolumeReason.FilesystemReadOnly);
  }

  @Test
  void anUnchangedPollYieldsNothing() {
    assertThat(between(List.of(healthy("a"), notMounted("b")), List.of(healthy("a"), notMounted("b")))).isEmpty();
    assertThat(between(List.of(onePathDown("a")), List.of(onePathDown("a")))).isEmpty();
    List<NodeVolumeStatus> down = List.of(NodeHealthViews.unreachable("a", "UNAVAILABLE"));
    assertThat(between(down, List.of(NodeHealthViews.unreachable("a", "UNAVAILABLE")))).isEmpty();
    assertThat(between(List.of(), List.of())).isEmpty();
  }

  @Test
  void aPathLostIsAWarningThatCountsThePaths() {
    assertThat(between(List.of(healthy("a")), List.of(onePathDown("a"))))
        .extracting(Transition::warning, (Transition x) -> x.reason().name())
        .containsExactly(tuple(true, "PathLost"));
    assertThat(between(List.of(healthy("a")), List.of(onePathDown("a"))).get(0).message())
        .isEqualTo("node a: 1 of 2 paths active (session on " + P2 + " is FAILED)");
  }

  @Test
  void aPathBackIsNormal() {
    List<Transition> t = between(List.of(onePathDown("a")), List.of(healthy("a")));

    assertThat(t).extracting(Transition::warning, (Transition x) -> x.reason().name(), Transition::message)
        .containsExactly(tuple(false, "PathBack", "node a: 2 of 2 paths active"));
  }

  @Test
  void aNodeThatStartsMountingMountsAndOneThatStopsUnmounts() {
    assertThat(between(List.of(notMounted("b")), List.of(healthy("b"))))
        .extracting(Transition::warning, (Transition x) -> x.reason().name(), Transition::message)
        .containsExactly(tuple(false, "NodeMounted", "node b mounted the volume"));
    assertThat(between(List.of(), List.of(healthy("b"))))
        .extracting((Transition x) -> x.reason().name()).containsExactly("NodeMounted");
    assertThat(between(List.of(healthy("b")), List.of(notMounted("b"))))
        .extracting(Transition::warning, (Transition x) -> x.reason().name(), Transition::message)
        .containsExactly(tuple(false, "NodeUnmounted", "node b no longer mounts the volume"));
  }

  @Test
  void anOrderlyUnmountIsNoPathLoss() {
    // kubelet unstaged the volume: the map and its paths are gone with the mount
    assertThat(between(List.of(healthy("b")), List.of(notMounted("b"))))
        .extracting((Transition x) -> x.reason().name()).doesNotContain("PathLost");
    // and mounting again is a join, not a path coming back
    assertThat(between(List.of(notMounted("b")), List.of(healthy("b"))))
        .extracting((Transition x) -> x.reason().name()).doesNotContain("PathBack");
  }

  @Test
  void aNodeThatIsNoLongerAMemberLeavesWhenItMounted() {
    assertThat(between(List.of(healthy("a"), healthy("b")), List.of(healthy("a"))))
        .extracting((Transition x) -> x.reason().name(), Transition::message)
        .containsExactly(tuple("NodeLeft", "node b left the cluster"));
    assertThat(between(List.of(healthy("a"), notMounted("b")), List.of(healthy("a")))).isEmpty();
  }

  @Test
  void anAgentThatStopsAnsweringIsUnreachableOnceAndReachableWhenItAnswers() {
    NodeVolumeStatus gone = NodeHealthViews.unreachable("a", "UNAVAILABLE: io exception");

    assertThat(between(List.of(healthy("a")), List.of(gone)))
        .extracting(Transition::warning, (Transition x) -> x.reason().name(), Transition::message)
        .containsExactly(tuple(true, "NodeUnreachable", "node a: node agent unreachable: UNAVAILABLE: io exception"));
    assertThat(between(List.of(gone), List.of(notMounted("a"))))
        .extracting(Transition::warning, (Transition x) -> x.reason().name())
        .containsExactly(tuple(false, "NodeReachable"));
  }

  @Test
  void aSequenceOfPollsYieldsOneEventPerTransition() {
    List<List<NodeVolumeStatus>> polls = List.of(
        List.of(notMounted("a"), notMounted("b")),
        List.of(healthy("a"), notMounted("b")),          // a joins
        List.of(healthy("a"), healthy("b")),             // b joins
        List.of(healthy("a"), healthy("b")),             // steady
        List.of(onePathDown("a"), healthy("b")),         // a loses a path
        List.of(onePathDown("a"), healthy("b")),         // steady
        List.of(healthy("a"), healthy("b")),             // a's path back
        List.of(healthy("a"), notMounted("b")),          // b leaves
        List.of(healthy("a"), notMounted("b")));         // steady
    List<String> reasons = new java.util.ArrayList<>();
    for (int i = 1; i < polls.size(); i++) {
      between(polls.get(i - 1), polls.get(i)).forEach(t -> reasons.add(t.reason().name()));
    }

    assertThat(reasons).containsExactly("NodeMounted", "NodeMounted", "PathLost", "PathBack", "NodeUnmounted");
  }
}
