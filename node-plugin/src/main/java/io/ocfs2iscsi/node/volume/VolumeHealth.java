package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.tools.EffectiveTimeouts;
import io.ocfs2iscsi.node.tools.MultipathPath;
import java.util.List;

/**
 * One volume's state on this node: sessions per portal, paths of the map, staged/mounted, whether the mounted
 * filesystem went read-only on its own, heartbeat, publishes, the problems seen (empty when healthy), and the
 * failover timeouts in effect: per session, and the map's queueing (queue_if_no_path in its table now, and
 * no_path_retry as multipathd applies it: a count, "queue", "fail", or "" when not known).
 */
public record VolumeHealth(
    String volumeId,
    List<Session> sessions,
    List<MultipathPath> paths,
    boolean mapPresent,
    String wwid,
    boolean staged,
    boolean mounted,
    boolean readOnly,
    boolean heartbeatActive,
    int publishCount,
    List<String> problems,
    List<Integer> recoveryTimeouts,
    boolean queueIfNoPath,
    String noPathRetry) {

  /**
   * A portal's session: state as iscsiadm reports it, "NONE" without a session (sid 0), the timeouts the kernel
   * applies to it (zeros without a session), the open-iscsi iface it runs through and the network interface that
   * iface is bound to (empty when none).
   */
  public record Session(
      String portal, String state, int sid, EffectiveTimeouts.Session timeouts, String iface, String netdev) {

    public Session(String portal, String state, int sid) {
      this(portal, state, sid, new EffectiveTimeouts.Session(0, 0, 0), "", "");
    }
  }

  /** I/O on the map waits right now: no path carries it, and the map queues instead of failing it. */
  public boolean queueing() {
    return mapPresent && queueIfNoPath && paths.stream().noneMatch(MultipathPath::up);
  }

  public boolean healthy() {
    return problems.isEmpty();
  }

  /** One line for a CSI VolumeCondition message. */
  public String summary() {
    long up = paths.stream().filter(MultipathPath::up).count();
    String s = up + " of " + sessions.size() + " paths up";
    if (!recoveryTimeouts.isEmpty()) {
      s += "; session recovery timeout " + recoveryTimeouts.stream().distinct().map(t -> t + " s").toList();
    }
    return problems.isEmpty() ? s : s + "; " + String.join("; ", problems);
  }
}
