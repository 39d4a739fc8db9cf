package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.desired.NodeLoss;
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
    return between(before, after, fenced, Set.of(), 0);
  }

  /**
   * @param outOfService the nodes released because they carry the out-of-service taint for longer than o2cb's dead
   *     time of {@code deadTimeSeconds}
   */
  public static List<Transition> between(
      List<ClusterMemberStatus> before, List<ClusterMemberStatus> after, Set<String> fenced,
      Set<String> outOfService, int deadTimeSeconds) {
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
            + " cluster, or it is marked out of service (or listed in spec.fencedNodes)"));
      } else if (m.getState() == State.Unreachable && (was == null || was.getState() != State.Unreachable)) {
        out.add(new Transition(true, ClusterReason.NodeUnreachable, "node agent of " + m.getNodeName() + " at "
            + m.getAgentEndpoint() + " does not answer"));
      }
      if (m.getOutOfServiceSince() != null && (was == null || was.getOutOfServiceSince() == null)) {
        out.add(new Transition(false, ClusterReason.NodeOutOfService, "node " + m.getNodeName() + " is marked out"
            + " of service (taint " + NodeLoss.OUT_OF_SERVICE + "); its o2cb number " + m.getNumber() + " is released"
            + " once o2cb's dead time has passed since " + m.getOutOfServiceSince() + ", when the other nodes have"
            + " declared it dead and recovered its journal"));
      }
    }
    for (ClusterMemberStatus m : before) {
      if (!now.contains(m.getNodeName())) {
        out.add(new Transition(false, ClusterReason.NumberReleased, "o2cb node number " + m.getNumber() + " of "
            + m.getNodeName() + " is free again (" + why(m.getNodeName(), fenced, outOfService, deadTimeSeconds)
            + ")"));
      }
    }
    return out;
  }

  private static String why(String node, Set<String> fenced, Set<String> outOfService, int deadTimeSeconds) {
    if (fenced.contains(node)) {
      return "listed in spec.fencedNodes";
    }
    if (outOfService.contains(node)) {
      return "marked out of service for more than o2cb's dead time of " + deadTimeSeconds + " s: the other nodes"
          + " removed it from their o2cb cluster after recovering its journal; it joins as a new member when it is"
          + " back and the taint is removed";
    }
    return "its Node is gone and it reported every volume unmounted";
  }
}
