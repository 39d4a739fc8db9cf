package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.PathHealth;
import io.ocfs2iscsi.agent.v1.SessionHealth;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.PathCounts;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/** A node agent's health answer as the per-node entry of IscsiSharedVolume status. */
public final class NodeHealthViews {

  public static final String LOGGED_IN = "LOGGED_IN";

  private NodeHealthViews() {}

  public static NodeVolumeStatus of(String node, GetVolumeHealthResponse health) {
    NodeVolumeStatus s = new NodeVolumeStatus();
    s.setNode(node);
    List<SessionStatus> sessions = new ArrayList<>();
    for (SessionHealth h : health.getSessionsList()) {
      SessionStatus st = new SessionStatus(h.getPortal(), h.getState(), h.getIface(), h.getNetdev());
      // 0: sysfs did not say (no session); left out rather than shown as a timeout of 0 s
      st.setRecoveryTimeoutSeconds(positive(h.getRecoveryTimeoutSeconds()));
      st.setNoopOutIntervalSeconds(positive(h.getNoopOutIntervalSeconds()));
      st.setNoopOutTimeoutSeconds(positive(h.getNoopOutTimeoutSeconds()));
      sessions.add(st);
    }
    // An agent that reads the timeouts back reports recovery_tmo for every session or multipathd's no_path_retry;
    // an older one leaves queue_if_no_path false whatever the map does, which must not read as "does not queue".
    boolean readsTimeouts = !health.getNoPathRetry().isEmpty()
        || health.getSessionsList().stream().anyMatch(h -> h.getRecoveryTimeoutSeconds() > 0);
    if (health.getMapPresent() && readsTimeouts) {
      s.setQueueIfNoPath(health.getQueueIfNoPath());
    }
    s.setNoPathRetry(health.getNoPathRetry().isEmpty() ? null : health.getNoPathRetry());
    s.setSessions(sessions);
    int up = (int) health.getPathsList().stream().filter(PathHealth::getUp).count();
    s.setPaths(new PathCounts(up, health.getPathsCount() - up));
    s.setMounted(health.getMounted());
    // Only when it happened: a healthy node's entry stays as short as before.
    s.setReadOnly(health.getReadOnly() ? Boolean.TRUE : null);
    s.setHeartbeat(health.getHeartbeatActive());
    s.setFencesInSeconds(health.getHeartbeatFailing() ? health.getSecondsUntilFence() : null);
    s.setProblems(new ArrayList<>(health.getProblemsList()));
    return s;
  }

  private static Integer positive(int seconds) {
    return seconds > 0 ? seconds : null;
  }

  /** A member whose agent did not answer: nothing is known but the failure. */
  public static NodeVolumeStatus unreachable(String node, String why) {
    NodeVolumeStatus s = new NodeVolumeStatus();
    s.setNode(node);
    s.setProblems(new ArrayList<>(List.of("node agent unreachable: " + why)));
    return s;
  }

  /**
   * Marks the entries of lost nodes in {@code now} (in place). An entry whose agent does not answer keeps what is
   * known of its mounts: mountedWhenLastSeen, when the node mounted the volume at its last answer. Such a node is
   * lost once its Node is not Ready (the cluster member's lost). Once lost, a node stays lost until its agent answers
   * again or its number is released: a Node that is Ready again before the node plugin runs there is not back yet.
   *
   * @param members the cluster's members by node name
   */
  public static void markLost(
      List<NodeVolumeStatus> before, List<NodeVolumeStatus> now, Map<String, ClusterMemberStatus> members) {
    Map<String, NodeVolumeStatus> was = before.stream()
        .collect(Collectors.toMap(NodeVolumeStatus::getNode, Function.identity(), (a, b) -> a));
    for (NodeVolumeStatus n : now) {
      NodeVolumeStatus previous = was.get(n.getNode());
      if (reachable(n) || previous == null) {
        continue;
      }
      boolean mountedWhenLastSeen = mounted(previous) || Boolean.TRUE.equals(previous.getMountedWhenLastSeen());
      n.setMountedWhenLastSeen(mountedWhenLastSeen ? Boolean.TRUE : null);
      ClusterMemberStatus member = members.get(n.getNode());
      if (member == null || !(lost(previous) || (mountedWhenLastSeen && member.getLost() != null))) {
        continue;
      }
      n.setState(NodeVolumeStatus.State.Lost);
      n.getProblems().add(0, "lost" + (member.getLost() == null ? "" : " (" + member.getLost() + ")") + ": o2cb node"
          + " number " + member.getNumber() + " stays held until the node is back or marked out of service"
          + (member.getOutOfServiceSince() == null ? "" : "; marked out of service since "
              + member.getOutOfServiceSince() + ", released once o2cb's dead time has passed"));
    }
  }

  /** The node mounts the volume and its disk heartbeat is not written: o2cb fences it when the countdown ends. */
  public static boolean heartbeatFailing(NodeVolumeStatus s) {
    return mounted(s) && s.getFencesInSeconds() != null;
  }

  public static boolean lost(NodeVolumeStatus s) {
    return s.getState() == NodeVolumeStatus.State.Lost;
  }

  public static boolean reachable(NodeVolumeStatus s) {
    return s.getMounted() != null;
  }

  public static boolean mounted(NodeVolumeStatus s) {
    return Boolean.TRUE.equals(s.getMounted());
  }

  /** The node mounts the volume and its filesystem went read-only on its own. */
  public static boolean wentReadOnly(NodeVolumeStatus s) {
    return mounted(s) && Boolean.TRUE.equals(s.getReadOnly());
  }

  public static int sessionsDown(NodeVolumeStatus s) {
    return (int) s.getSessions().stream().filter(x -> !LOGGED_IN.equals(x.getState())).count();
  }

  /** "active/total" over the nodes that mount the volume (the Paths printer column). */
  public static String pathsColumn(List<NodeVolumeStatus> nodes) {
    int active = 0;
    int total = 0;
    for (NodeVolumeStatus n : nodes) {
      if (mounted(n)) {
        active += n.getPaths().getActive();
        total += n.getPaths().getActive() + n.getPaths().getFailed();
      }
    }
    return active + "/" + total;
  }
}
