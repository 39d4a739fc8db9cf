package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.PathHealth;
import io.ocfs2iscsi.agent.v1.SessionHealth;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.PathCounts;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionStatus;
import java.util.ArrayList;
import java.util.List;

/** A node agent's health answer as the per-node entry of IscsiSharedVolume status. */
public final class NodeHealthViews {

  public static final String LOGGED_IN = "LOGGED_IN";

  private NodeHealthViews() {}

  public static NodeVolumeStatus of(String node, GetVolumeHealthResponse health) {
    NodeVolumeStatus s = new NodeVolumeStatus();
    s.setNode(node);
    List<SessionStatus> sessions = new ArrayList<>();
    for (SessionHealth h : health.getSessionsList()) {
      sessions.add(new SessionStatus(h.getPortal(), h.getState(), h.getIface(), h.getNetdev()));
    }
    s.setSessions(sessions);
    int up = (int) health.getPathsList().stream().filter(PathHealth::getUp).count();
    s.setPaths(new PathCounts(up, health.getPathsCount() - up));
    s.setMounted(health.getMounted());
    // Only when it happened: a healthy node's entry stays as short as before.
    s.setReadOnly(health.getReadOnly() ? Boolean.TRUE : null);
    s.setHeartbeat(health.getHeartbeatActive());
    s.setProblems(new ArrayList<>(health.getProblemsList()));
    return s;
  }

  /** A member whose agent did not answer: nothing is known but the failure. */
  public static NodeVolumeStatus unreachable(String node, String why) {
    NodeVolumeStatus s = new NodeVolumeStatus();
    s.setNode(node);
    s.setProblems(new ArrayList<>(List.of("node agent unreachable: " + why)));
    return s;
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
