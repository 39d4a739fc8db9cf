package io.ocfs2iscsi.operator.status;

import static io.ocfs2iscsi.operator.status.NodeHealthViewsTest.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.status.HealthTransitions.Transition;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A node that mounts the volume dies: the volume's status names it as lost, one Warning event says so, and it
 * clears with one Normal event when the node is back (or is marked out of service and released). Poll by poll, as
 * the reconciler calls them.
 */
class NodeLossStatusTest {

  private static final String P1 = "192.168.0.180:3260";
  private static final String P2 = "10.20.1.180:3260";
  private static final String NOT_READY = "Node Ready=Unknown (NodeStatusUnknown) since 2026-12-01T19:59:20Z";

  private static NodeVolumeStatus healthy(String node) {
    return NodeHealthViews.of(node, health(true, 2, 0, P1, "LOGGED_IN", P2, "LOGGED_IN"));
  }

  private static NodeVolumeStatus silent(String node) {
    return NodeHealthViews.unreachable(node, "DEADLINE_EXCEEDED: deadline exceeded after 4.9s");
  }

  private static ClusterMemberStatus member(String node, int number, State state, String lost) {
    ClusterMemberStatus m = new ClusterMemberStatus(node, number, "10.10.1." + (10 + number), state);
    m.setLost(lost);
    return m;
  }

  /** One poll: the entries marked as the reconciler marks them, and the events between the polls. */
  private record Poll(List<NodeVolumeStatus> nodes, List<Transition> events) {}

  private static Poll poll(List<NodeVolumeStatus> before, Map<String, ClusterMemberStatus> members,
      NodeVolumeStatus... now) {
    List<NodeVolumeStatus> nodes = new ArrayList<>(List.of(now));
    NodeHealthViews.markLost(before, nodes, members);
    return new Poll(nodes, HealthTransitions.between(before, nodes));
  }

  private static List<Condition> conditions(List<NodeVolumeStatus> nodes) {
    return VolumeConditions.of(new VolumeAssessment().timeouts(true, "fine")
        .formatted(VolumeReason.Formatted, "formatted").published("mylun").nodes(nodes));
  }

  private static String condition(List<Condition> cs, String type) {
    Condition c = Conditions.find(cs, type).orElseThrow();
    return c.getStatus() + " " + c.getReason();
  }

  @Test
  void aMountingNodeThatDiesIsLostOnceAndBackOnce() {
    Map<String, ClusterMemberStatus> alive = Map.of("n1", member("n1", 0, State.Applied, null),
        "n2", member("n2", 1, State.Applied, null));
    Map<String, ClusterMemberStatus> n2Lost = Map.of("n1", member("n1", 0, State.Applied, null),
        "n2", member("n2", 1, State.Held, NOT_READY));
    List<NodeVolumeStatus> steady = List.of(healthy("n1"), healthy("n2"));

    // Killed: its agent stops answering before kubelet's grace period marks the Node.
    Poll silentPoll = poll(steady, alive, healthy("n1"), silent("n2"));
    assertThat(silentPoll.events()).extracting(t -> t.reason().name()).containsExactly("NodeUnreachable");
    assertThat(silentPoll.nodes().get(1).getState()).isNull();
    assertThat(silentPoll.nodes().get(1).getMountedWhenLastSeen()).isTrue();

    // The Node turns Unknown: lost, named in status, one Warning.
    Poll lostPoll = poll(silentPoll.nodes(), n2Lost, healthy("n1"), silent("n2"));
    NodeVolumeStatus n2 = lostPoll.nodes().get(1);
    assertThat(n2.getState()).isEqualTo(NodeVolumeStatus.State.Lost);
    assertThat(n2.getProblems().get(0)).isEqualTo("lost (" + NOT_READY + "): o2cb node number 1 stays held until the"
        + " node is back or marked out of service");
    assertThat(lostPoll.events()).extracting(Transition::warning, t -> t.reason().name())
        .containsExactly(tuple(true, "NodeLost"));
    assertThat(lostPoll.events().get(0).message()).startsWith("node n2: lost (" + NOT_READY);
    List<Condition> cs = conditions(lostPoll.nodes());
    assertThat(condition(cs, "Degraded")).isEqualTo("True NodeLost");
    assertThat(condition(cs, "Ready")).as("the survivor serves").isEqualTo("True Ready");
    assertThat(Conditions.find(cs, "Degraded").orElseThrow().getMessage()).contains("n2 (lost (" + NOT_READY)
        .contains("kubectl taint nodes NODE node.kubernetes.io/out-of-service=nodeshutdown:NoExecute");

    // Still lost at the next poll: no second event.
    Poll again = poll(lostPoll.nodes(), n2Lost, healthy("n1"), silent("n2"));
    assertThat(again.events()).isEmpty();
    assertThat(again.nodes().get(1).getState()).isEqualTo(NodeVolumeStatus.State.Lost);

    // Booted: the Node is Ready before the node plugin answers; still lost, no event.
    Poll nodeReady = poll(again.nodes(), alive, healthy("n1"), silent("n2"));
    assertThat(nodeReady.nodes().get(1).getState()).isEqualTo(NodeVolumeStatus.State.Lost);
    assertThat(nodeReady.events()).isEmpty();

    // Its agent answers (nothing mounted after the reboot): back, one Normal event.
    Poll back = poll(nodeReady.nodes(), alive, healthy("n1"), NodeHealthViews.of("n2", health(false, 0, 0)));
    assertThat(back.nodes().get(1).getState()).isNull();
    assertThat(back.events()).extracting(Transition::warning, t -> t.reason().name())
        .containsExactly(tuple(false, "NodeBack"));
    assertThat(condition(conditions(back.nodes()), "Degraded")).isEqualTo("False AllPathsUp");
  }

  @Test
  void aLostNodeMarkedOutOfServiceIsGoneOnceItsNumberIsReleased() {
    ClusterMemberStatus marked = member("n2", 1, State.Held, NOT_READY);
    marked.setOutOfServiceSince("2026-12-01T20:01:00Z");
    Map<String, ClusterMemberStatus> members = Map.of("n1", member("n1", 0, State.Applied, null), "n2", marked);
    List<NodeVolumeStatus> before = poll(List.of(healthy("n1"), healthy("n2")), members, healthy("n1"), silent("n2"))
        .nodes();
    assertThat(before.get(1).getProblems().get(0))
        .endsWith("; marked out of service since 2026-12-01T20:01:00Z, released once o2cb's dead time has passed");

    Poll released = poll(before, Map.of("n1", member("n1", 0, State.Applied, null)), healthy("n1"));
    assertThat(released.events()).extracting(Transition::warning, t -> t.reason().name())
        .containsExactly(tuple(false, "NodeGone"));
    assertThat(released.events().get(0).message()).contains("the other nodes recovered its journal");
  }

  @Test
  void aNodeThatDidNotMountTheVolumeIsNotLostForIt() {
    Map<String, ClusterMemberStatus> lost = Map.of("n3", member("n3", 2, State.Held, NOT_READY));
    Poll p = poll(List.of(NodeHealthViews.of("n3", health(false, 0, 0))), lost, silent("n3"));
    assertThat(p.nodes().get(0).getState()).isNull();
    assertThat(p.nodes().get(0).getMountedWhenLastSeen()).isNull();
    Poll next = poll(p.nodes(), lost, silent("n3"));
    assertThat(next.nodes().get(0).getState()).isNull();
    assertThat(next.events()).extracting(t -> t.reason().name()).doesNotContain("NodeLost");
  }

  @Test
  void anAgentThatStopsAnsweringOnAReadyNodeIsUnreachableNotLost() {
    Poll p = poll(List.of(healthy("n1")), Map.of("n1", member("n1", 0, State.Unreachable, null)), silent("n1"));
    Poll next = poll(p.nodes(), Map.of("n1", member("n1", 0, State.Unreachable, null)), silent("n1"));
    assertThat(next.nodes().get(0).getState()).isNull();
    assertThat(condition(conditions(next.nodes()), "Ready")).isEqualTo("False NodeUnreachable");
  }

  @Test
  void theClusterSaysWhenANumberIsReleasedForTheOutOfServiceTaint() {
    ClusterMemberStatus held = member("n2", 1, State.Held, NOT_READY);
    ClusterMemberStatus marked = member("n2", 1, State.Held, NOT_READY);
    marked.setOutOfServiceSince("2026-12-01T20:01:00Z");

    List<MemberTransitions.Transition> mark = MemberTransitions.between(List.of(held), List.of(marked), Set.of(),
        Set.of(), 60);
    assertThat(mark).extracting(t -> t.reason().name()).containsExactly("NodeOutOfService");
    assertThat(mark.get(0).message()).contains("o2cb number 1 is released once o2cb's dead time has passed since"
        + " 2026-12-01T20:01:00Z");
    assertThat(MemberTransitions.between(List.of(marked), List.of(marked), Set.of(), Set.of(), 60)).isEmpty();

    List<MemberTransitions.Transition> released = MemberTransitions.between(List.of(marked), List.of(), Set.of(),
        Set.of("n2"), 60);
    assertThat(released).extracting(t -> t.reason().name(), MemberTransitions.Transition::message)
        .containsExactly(tuple("NumberReleased", "o2cb node number 1 of n2 is free again (marked out of service for"
            + " more than o2cb's dead time of 60 s: the other nodes removed it from their o2cb cluster after"
            + " recovering its journal; it joins as a new member when it is back and the taint is removed)"));
  }
}
