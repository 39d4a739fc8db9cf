package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionStatus;
import io.ocfs2iscsi.operator.desired.TimeoutCoherence.Values;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The failover timeouts the nodes report as in effect (status.nodes[]: sessions' recovery_tmo, recv_tmo, ping_tmo;
 * the map's no_path_retry and queue_if_no_path) against the volume's spec. They differ when something else on the
 * node sets them: another multipath configuration (an overrides section, a devices entry of the same SAN with other
 * values), iscsid.conf for sessions logged in before the plugin wrote the node record, or an administrator.
 */
public final class EffectiveTimeouts {

  private EffectiveTimeouts() {}

  /** One line per node and value that differs from the spec, naming both; empty when all match or none reported. */
  public static List<String> mismatches(IscsiSharedVolumeSpec spec, List<NodeVolumeStatus> nodes) {
    Values want = Values.of(spec);
    List<String> out = new ArrayList<>();
    for (NodeVolumeStatus n : nodes) {
      for (SessionStatus s : n.getSessions()) {
        session(out, n, s, "recovery_tmo", SessionStatus::getRecoveryTimeoutSeconds, want.replacement(),
            want.replacementName());
        session(out, n, s, "noop_out_interval (recv_tmo)", SessionStatus::getNoopOutIntervalSeconds,
            want.noopOutInterval(), want.noopOutIntervalName());
        session(out, n, s, "noop_out_timeout (ping_tmo)", SessionStatus::getNoopOutTimeoutSeconds,
            want.noopOutTimeout(), want.noopOutTimeoutName());
      }
      if (n.getNoPathRetry() != null && !n.getNoPathRetry().equals(want.noPathRetry())) {
        out.add(n.getNode() + ": map no_path_retry " + n.getNoPathRetry() + ", but " + want.noPathRetryName() + " is "
            + want.noPathRetry());
      }
      // Without an active path a counted map stops queueing once the count runs out: only a map with paths tells.
      boolean servingPaths = n.getPaths() != null && n.getPaths().getActive() > 0;
      if (servingPaths && Boolean.FALSE.equals(n.getQueueIfNoPath()) && !"fail".equals(want.noPathRetry())) {
        out.add(n.getNode() + ": map does not queue I/O when no path is left (no queue_if_no_path), but "
            + want.noPathRetryName() + " is " + want.noPathRetry());
      }
    }
    return out;
  }

  private static void session(List<String> out, NodeVolumeStatus n, SessionStatus s, String what,
      Function<SessionStatus, Integer> value, int want, String field) {
    Integer got = value.apply(s);
    if (got != null && got != want) {
      out.add(n.getNode() + ": session on " + s.getPortal() + " has " + what + " " + got + " s, but " + field + " is "
          + want + " s");
    }
  }

  /**
   * The values that decide how long I/O can block, as the nodes apply them: per value the longest any node
   * reports, the spec's where no node reports one. The names say which node's value it is.
   */
  public static Values worst(IscsiSharedVolumeSpec spec, List<NodeVolumeStatus> nodes) {
    Values v = Values.of(spec);
    int replacement = v.replacement();
    String replacementName = v.replacementName();
    int interval = v.noopOutInterval();
    String intervalName = v.noopOutIntervalName();
    int timeout = v.noopOutTimeout();
    String timeoutName = v.noopOutTimeoutName();
    String retry = v.noPathRetry();
    String retryName = v.noPathRetryName();
    boolean replacementSeen = false;
    boolean intervalSeen = false;
    boolean timeoutSeen = false;
    boolean retrySeen = false;
    for (NodeVolumeStatus n : nodes) {
      for (SessionStatus s : n.getSessions()) {
        Integer r = s.getRecoveryTimeoutSeconds();
        if (r != null && (!replacementSeen || r > replacement)) {
          replacement = r;
          replacementName = "recovery_tmo on " + n.getNode();
          replacementSeen = true;
        }
        Integer i = s.getNoopOutIntervalSeconds();
        if (i != null && (!intervalSeen || i > interval)) {
          interval = i;
          intervalName = "noop_out_interval on " + n.getNode();
          intervalSeen = true;
        }
        Integer t = s.getNoopOutTimeoutSeconds();
        if (t != null && (!timeoutSeen || t > timeout)) {
          timeout = t;
          timeoutName = "noop_out_timeout on " + n.getNode();
          timeoutSeen = true;
        }
      }
      String nr = n.getNoPathRetry();
      if (nr != null && (!retrySeen || longer(nr, retry))) {
        retry = nr;
        retryName = "no_path_retry on " + n.getNode();
        retrySeen = true;
      }
    }
    return new Values(interval, intervalName, timeout, timeoutName, replacement, replacementName, retry, retryName,
        v.polling(), v.pollingName());
  }

  /** queue blocks longest, then the larger count, then fail. */
  private static boolean longer(String a, String b) {
    return rank(a) > rank(b);
  }

  private static long rank(String noPathRetry) {
    if ("queue".equals(noPathRetry)) {
      return Long.MAX_VALUE;
    }
    if ("fail".equals(noPathRetry)) {
      return 0;
    }
    try {
      return Long.parseLong(noPathRetry);
    } catch (NumberFormatException e) {
      return 0;
    }
  }
}
