package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changed between two member lists of an Ocfs2Cluster, as Events: a member that joined the o2cb cluster, one
 * that left (its number held), one whose agent stopped answering, a number given free. A steady state yields
 * nothing.
 */
public final class MemberTransitions {

  private MemberTransitions() {}

  public record Transition(boolean warning, ClusterReason reason, String message) {}

  /** @param fenced the nodes listed in spec.fencedNodes (a released number says why) */
  public static List<Transition> between(
      List<ClusterMemberStatus> before, List<ClusterMemberStatus> after, Set<String> fenced) {
    Map<String, ClusterMemberStatus> old = new HashMap<>();
    before.forEach(m -> old.put(m.getNodeName(), m));
    List<Transition> out = new ArrayList<>();
    Set<String> now = new TreeSet<>();
    for (ClusterMemberStatus m : after) {
      now.add(m.getNodeName());
      ClusterMemberStatus was = old.get(m.getNodeName());
      if (m.getState() == State.Applied && (was == null || was.getState() != State.Applied)) {
        out.add(new Transition(false, ClusterReason.NodeJoined, "node " + m.getNodeName() + " is o2cb node "
            + m.getNumber() + " at " + m.getAddress()));
      } else if (m.getState() == State.Held && was != null && was.getState() != State.Held) {
        out.add(new Transition(false, ClusterReason.NodeLeft, "node " + m.getNodeName() + " left; number "
            + m.getNumber() + " is held until its Node is gone and it answers that it mounts no volume of the"
            + " cluster (or it is listed in spec.fencedNodes)"));
      } else if (m.getState() == State.Unreachable && (was == null || was.getState() != State.Unreachable)) {
        out.add(new Transition(true, ClusterReason.NodeUnreachable, "node agent of " + m.getNodeName() + " at "
            + m.getAgentEndpoint() + " does not answer"));
      }
    }
    for (ClusterMemberStatus m : before) {
      if (!now.contains(m.getNodeName())) {
        out.add(new Transition(false, ClusterReason.NumberReleased, "o2cb node number " + m.getNumber() + " of "
            + m.getNodeName() + " is free again (" + (fenced.contains(m.getNodeName()) ? "listed in spec.fencedNodes"
            : "its Node is gone and it reported every volume unmounted") + ")"));
      }
    }
    return out;
  }
}
