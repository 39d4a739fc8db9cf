package io.ocfs2iscsi.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.status.MemberTransitions.Transition;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MemberTransitionsTest {

  private static ClusterMemberStatus member(String node, int number, State state) {
    ClusterMemberStatus m = new ClusterMemberStatus(node, number, "10.10.1." + (10 + number), state);
    m.setAgentEndpoint("10.0.0." + (10 + number) + ":9443");
    return m;
  }

  private static List<Transition> between(List<ClusterMemberStatus> before, List<ClusterMemberStatus> after) {
    return MemberTransitions.between(before, after, Set.of("n9"));
  }

  @Test
  void aMemberThatAppliesJoinsOnceWithItsNumberAndAddress() {
    assertThat(between(List.of(member("n1", 0, State.Joining)), List.of(member("n1", 0, State.Applied))))
        .extracting(Transition::warning, t -> t.reason().name(), Transition::message)
        .containsExactly(tuple(false, "NodeJoined", "node n1 is o2cb node 0 at 10.10.1.10"));
    assertThat(between(List.of(member("n1", 0, State.Applied)), List.of(member("n1", 0, State.Applied))))
        .isEmpty();
  }

  @Test
  void aMemberThatIsDeselectedLeavesAndItsNumberIsHeld() {
    assertThat(between(List.of(member("n2", 1, State.Applied)), List.of(member("n2", 1, State.Held))))
        .extracting(t -> t.reason().name(), Transition::message)
        .containsExactly(tuple("NodeLeft", "node n2 left; number 1 is held until its Node is gone and it answers"
            + " that it mounts no volume of the cluster, or it is marked out of service (or listed in"
            + " spec.fencedNodes)"));
  }

  @Test
  void anAgentThatStopsAnsweringWarnsOnce() {
    List<ClusterMemberStatus> gone = List.of(member("n3", 2, State.Unreachable));

    assertThat(between(List.of(member("n3", 2, State.Applied)), gone))
        .extracting(Transition::warning, t -> t.reason().name(), Transition::message)
        .containsExactly(tuple(true, "NodeUnreachable", "node agent of n3 at 10.0.0.12:9443 does not answer"));
    assertThat(between(gone, gone)).isEmpty();
  }

  @Test
  void aReleasedNumberSaysWhy() {
    assertThat(between(List.of(member("n4", 3, State.Held), member("n9", 4, State.Held)), List.of()))
        .extracting(t -> t.reason().name(), Transition::message)
        .containsExactly(
            tuple("NumberReleased", "o2cb node number 3 of n4 is free again (its Node is gone and it reported every"
                + " volume unmounted)"),
            tuple("NumberReleased", "o2cb node number 4 of n9 is free again (listed in spec.fencedNodes)"));
  }
}
