package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.contract.O2cbClusterRules;
import java.util.ArrayList;
import java.util.List;

/** The o2cb cluster timeouts as configfs holds them. */
public record O2cbConfigfsTimeouts(int deadThreshold, int idleTimeoutMs, int keepaliveDelayMs, int reconnectDelayMs) {

  /**
   * o2cb's own defaults (the ones the reference's `service o2cb status` shows): what configfs holds before anything
   * is written. The product's default dead threshold is lower ({@link O2cbClusterRules#DEAD_THRESHOLD_DEFAULT}).
   */
  public static final O2cbConfigfsTimeouts DEFAULTS = new O2cbConfigfsTimeouts(31,
      O2cbClusterRules.IDLE_TIMEOUT_MS_DEFAULT, O2cbClusterRules.KEEPALIVE_DELAY_MS_DEFAULT,
      O2cbClusterRules.RECONNECT_DELAY_MS_DEFAULT);

  public static final String DEAD_THRESHOLD = "heartbeat/dead_threshold";
  public static final String IDLE_TIMEOUT_MS = "idle_timeout_ms";
  public static final String KEEPALIVE_DELAY_MS = "keepalive_delay_ms";
  public static final String RECONNECT_DELAY_MS = "reconnect_delay_ms";

  /** One configfs attribute (relative to the cluster's directory) and its value. */
  public record Write(String attribute, int value) {}

  /**
   * The attribute writes that turn {@code current} into this, in an order the kernel accepts: it refuses an idle
   * timeout that is not larger than the keepalive delay at the moment of the write, so when both change, the one
   * that keeps idle > keepalive true goes first. Unchanged values are not written.
   */
  public List<Write> writesFrom(O2cbConfigfsTimeouts current) {
    List<Write> out = new ArrayList<>();
    if (deadThreshold != current.deadThreshold) {
      out.add(new Write(DEAD_THRESHOLD, deadThreshold));
    }
    Write idle = idleTimeoutMs != current.idleTimeoutMs ? new Write(IDLE_TIMEOUT_MS, idleTimeoutMs) : null;
    Write keepalive =
        keepaliveDelayMs != current.keepaliveDelayMs ? new Write(KEEPALIVE_DELAY_MS, keepaliveDelayMs) : null;
    if (idle != null && keepalive != null) {
      if (idleTimeoutMs > current.keepaliveDelayMs) {
        out.add(idle);
        out.add(keepalive);
      } else {
        out.add(keepalive);
        out.add(idle);
      }
    } else if (idle != null) {
      out.add(idle);
    } else if (keepalive != null) {
      out.add(keepalive);
    }
    if (reconnectDelayMs != current.reconnectDelayMs) {
      out.add(new Write(RECONNECT_DELAY_MS, reconnectDelayMs));
    }
    return out;
  }
}
