package io.ocfs2iscsi.node.tools;

import java.util.regex.Pattern;

/**
 * /etc/dlm/dlm.conf for the user stack. TCP between the members (dlm picks SCTP only with several links). With
 * persistent-reservation fencing its fence_all line names the node plugin's agent, with this cluster's half of the
 * reservation keys and the local node id as arguments (dlm_controld hands them to the agent on stdin, with
 * node=<failed node id>); dlm_controld reads the fence configuration of a node when it first sees it, so a change
 * takes effect when dlm_controld restarts. Without a fence device (WAIT_FOR_REJOIN) dlm_controld falls back to its
 * default agent, which needs pacemaker and fails; lock recovery then waits until the failed member restarts and
 * rejoins, which is safe but blocks the survivors.
 */
public final class DlmConf {

  public static final String PATH = "/etc/dlm/dlm.conf";

  private DlmConf() {}

  /** What dlm_controld does when a member fails. */
  public enum Fencing {
    WAIT_FOR_REJOIN,
    DISABLED,
    PERSISTENT_RESERVATION
  }

  private static final Pattern CLUSTER_KEY = Pattern.compile("^[0-9a-f]{8}$");
  private static final Pattern AGENT = Pattern.compile("^(/[A-Za-z0-9_.-]+)+$");

  /**
   * dlm.conf with {@code agent} as the fence device of every node. The arguments avoid the text "node=" in their
   * names: dlm_controld adds the failed node's node=<id> line only when the arguments contain none.
   */
  public static String renderPersistentReservation(String agent, String clusterKey, int localNodeId) {
    if (!AGENT.matcher(agent).matches() || !CLUSTER_KEY.matcher(clusterKey).matches()
        || localNodeId < ReservationKey.NODE_ID_MIN || localNodeId > ReservationKey.NODE_ID_MAX) {
      throw new IllegalArgumentException("dlm.conf: fence agent must be an absolute path of [A-Za-z0-9_.-] (got '"
          + agent + "'), cluster_key 8 lowercase hex digits (got '" + clusterKey + "'), local_id "
          + ReservationKey.NODE_ID_MIN + ".." + ReservationKey.NODE_ID_MAX + " (got " + localNodeId + ")");
    }
    return HEADER
        + "# Storage fencing: a failed member's SCSI-3 reservation key is preempted on every volume this node stages.\n"
        + "protocol=tcp\n"
        + "enable_fencing=1\n"
        + "fence_all " + agent + " cluster_key=" + clusterKey + " local_id=" + localNodeId + "\n";
  }

  private static final String HEADER = "# Written by the ocfs2-iscsi node plugin; changes here are overwritten.\n";

  /** dlm.conf without a fence device ({@link Fencing#PERSISTENT_RESERVATION} has its own renderer). */
  public static String render(Fencing fencing) {
    if (fencing == Fencing.PERSISTENT_RESERVATION) {
      throw new IllegalArgumentException("dlm.conf: persistent-reservation fencing needs its agent's arguments");
    }
    String why = fencing == Fencing.DISABLED
        ? "# Fencing disabled: lock recovery proceeds at once, without making sure the failed member stopped writing.\n"
        : "# No fence device is configured: a failed member is never fenced, so lock recovery waits until it restarts"
            + " and\n# rejoins.\n";
    return HEADER
        + why
        + "protocol=tcp\n"
        + "enable_fencing=" + (fencing == Fencing.DISABLED ? 0 : 1) + "\n";
  }
}
