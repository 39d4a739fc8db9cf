package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.contract.FailoverDefaults;
import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.MultipathSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.UserStackSpec;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Whether a volume's path failover fits inside the o2cb disk heartbeat. When every path goes silent, the initiator
 * notices it after at most noop_out_interval + noop_out_timeout (its pings go unanswered), I/O then waits
 * replacement_timeout (the session's recovery_tmo) for the session to come back, then dm-multipath queues it for
 * no_path_retry checker intervals (forever with "queue"). The node's own heartbeat writes wait just as long; o2cb
 * declares a node dead after (deadThreshold - 1) * 2 s without one, and a node that sees its heartbeat miss that long
 * fences itself. So the worst blocked time plus a margin ({@link FailoverDefaults#HEARTBEAT_MARGIN_SECONDS}) must
 * stay within the dead time.
 *
 * <p>The values are the spec's, or the ones the nodes report as in effect ({@link EffectiveTimeouts}) when they
 * differ: what the kernel and multipathd apply is what blocks.
 */
public final class TimeoutCoherence {

  private TimeoutCoherence() {}

  /** The same margin as o2cb's: a write that waited through a failover needs a moment on the path that is back. */
  private static final int MARGIN_SECONDS = FailoverDefaults.HEARTBEAT_MARGIN_SECONDS;

  /**
   * @param blockSeconds worst time I/O can block on lost paths; empty means forever (no_path_retry queue)
   */
  public record Verdict(boolean coherent, OptionalLong blockSeconds, int deadTimeSeconds, String message) {}

  /**
   * The values that decide the blocked time, each with the words that name it in a message.
   *
   * @param noPathRetry a count, "queue" or "fail"
   */
  public record Values(
      int noopOutInterval, String noopOutIntervalName,
      int noopOutTimeout, String noopOutTimeoutName,
      int replacement, String replacementName,
      String noPathRetry, String noPathRetryName,
      int polling, String pollingName) {

    public static Values of(IscsiSharedVolumeSpec spec) {
      SessionSpec session = spec.getTarget().getSession() == null ? new SessionSpec() : spec.getTarget().getSession();
      MultipathSpec mp = spec.getMultipath() == null ? new MultipathSpec() : spec.getMultipath();
      return new Values(
          session.getNoopOutIntervalSeconds(), "target.session.noopOutIntervalSeconds",
          session.getNoopOutTimeoutSeconds(), "target.session.noopOutTimeoutSeconds",
          session.getReplacementTimeoutSeconds(), "target.session.replacementTimeoutSeconds",
          mp.getNoPathRetry(), "multipath.noPathRetry",
          mp.getPollingIntervalSeconds(), "pollingIntervalSeconds");
    }

    int detection() {
      return noopOutInterval + noopOutTimeout;
    }

    String detectionParts() {
      return noopOutIntervalName + " " + noopOutInterval + " s + " + noopOutTimeoutName + " " + noopOutTimeout + " s";
    }
  }

  /**
   * The cluster's settings that the check reads.
   *
   * @param deadThreshold o2cb's disk heartbeat threshold
   * @param tokenMs corosync's token timeout (user stack)
   * @param fencing what dlm_controld does when a member fails (user stack)
   */
  public record Cluster(int deadThreshold, int tokenMs, UserStackSpec.Fencing fencing) {

    public static Cluster of(Ocfs2ClusterSpec spec) {
      UserStackSpec user = spec.getUserStack() == null ? new UserStackSpec() : spec.getUserStack();
      return new Cluster(spec.getHeartbeat().getDeadThreshold(), user.getTokenMs(), user.getFencing());
    }
  }

  /**
   * The check for a volume of {@code stack}. The user stack has no disk heartbeat: a node whose paths block waits
   * for them and does not fence itself (corosync watches the members over the network, not through the SAN). What
   * matters there is a member that corosync declares failed while writes of its own still wait in its map's queue
   * (it lost its network and its SAN links at once): they must not land after the survivors recovered its journal.
   * Storage fencing refuses them at the target, waiting for the member's rejoin outlasts them (it rejoins after a
   * restart); without fencing the queue must have failed them before the new membership forms.
   */
  public static Verdict check(Values v, Cluster cluster, ClusterStackKind stack) {
    Verdict o2cb = check(v, cluster.deadThreshold());
    if (stack != ClusterStackKind.CLUSTER_STACK_USER) {
      return o2cb;
    }
    String blocked = o2cb.blockSeconds().isPresent()
        ? "up to " + o2cb.blockSeconds().getAsLong() + " s" : "as long as no path is back (no_path_retry queue)";
    // corosync declares the token lost after token ms, and forms the new membership after consensus, which is
    // 1.2 x token unless configured (the plugin leaves it): 2.2 x token in all, in tenths to stay in integers.
    long membershipTenthsMs = cluster.tokenMs() * 22L;
    String membership = "corosync forms a membership without a silent member after about "
        + String.format(Locale.ROOT, "%.1f", membershipTenthsMs / 10_000.0) + " s (spec.userStack.tokenMs "
        + cluster.tokenMs() + " + consensus, 1.2 x token)";
    String noHeartbeat = "the user stack has no disk heartbeat: when every path is down, I/O on a node waits "
        + blocked + " and the node does not fence itself; ";
    switch (cluster.fencing()) {
      case PersistentReservation:
        return new Verdict(true, o2cb.blockSeconds(), 0, noHeartbeat + membership + ", then its reservation key is"
            + " preempted at the target: writes it still has queued are refused there");
      case WaitForRejoin:
        return new Verdict(true, o2cb.blockSeconds(), 0, noHeartbeat + "a failed member is not fenced: the"
            + " survivors' lock recovery waits until it restarts and rejoins, and its queued writes end with it");
      default:
        break;
    }
    String rule = "with fencing Disabled the survivors recover a failed member's journal once " + membership
        + ", and writes the member still has queued would land after that";
    if (o2cb.blockSeconds().isEmpty()) {
      return new Verdict(false, o2cb.blockSeconds(), 0, v.noPathRetryName() + " queue blocks I/O forever when every"
          + " path is down, but " + rule + "; use a count, or fencing PersistentReservation");
    }
    long block = o2cb.blockSeconds().getAsLong();
    long needed = block + MARGIN_SECONDS;
    if (needed * 10_000L <= membershipTenthsMs) {
      return new Verdict(true, o2cb.blockSeconds(), 0, noHeartbeat + rule + ": they fail first, " + MARGIN_SECONDS
          + " s or more before it");
    }
    long minToken = (needed * 10_000L + 21) / 22;
    String fix = minToken <= UserStackRules.TOKEN_MS_MAX
        ? "raise spec.userStack.tokenMs to at least " + minToken + " or lower the path failover values"
        : "lower those values (no token timeout up to " + UserStackRules.TOKEN_MS_MAX + " ms covers them)";
    return new Verdict(false, o2cb.blockSeconds(), 0, "path failover can block I/O for " + block + " s, but " + rule
        + "; the queue must fail them " + MARGIN_SECONDS + " s before it: " + fix
        + ", or use fencing PersistentReservation");
  }

  public static Verdict check(IscsiSharedVolumeSpec spec, int deadThreshold) {
    return check(Values.of(spec), deadThreshold);
  }

  public static Verdict check(Values v, int deadThreshold) {
    int margin = FailoverDefaults.HEARTBEAT_MARGIN_SECONDS;
    int deadTime = (deadThreshold - 1) * 2;
    String heartbeat = "o2cb declares a node dead after " + deadTime + " s without a disk heartbeat ((deadThreshold "
        + deadThreshold + " - 1) x 2 s), which must exceed it by a margin of " + margin + " s";
    int fixed = v.detection() + v.replacement();
    if ("queue".equals(v.noPathRetry())) {
      // the largest count n with fixed + n x polling + margin <= deadTime (counts start at 1)
      long maxCount = deadTime - margin > fixed ? (deadTime - margin - fixed) / v.polling() : 0;
      return new Verdict(false, OptionalLong.empty(), deadTime,
          v.noPathRetryName() + " queue blocks I/O forever when every path is down, but " + heartbeat
              + ": the node would fence itself; " + (maxCount >= 1
                  ? "use a count of at most " + maxCount + " instead"
                  : "use a count, and lower " + v.replacementName() + " " + v.replacement() + " s or raise"
                      + " heartbeat.deadThreshold so that the count fits"));
    }
    long retrySeconds = "fail".equals(v.noPathRetry()) ? 0 : Long.parseLong(v.noPathRetry()) * v.polling();
    long block = fixed + retrySeconds;
    String parts = v.detectionParts() + " + " + v.replacementName() + " " + v.replacement() + " s"
        + ("fail".equals(v.noPathRetry()) ? "" : " + " + v.noPathRetryName() + " " + v.noPathRetry() + " x "
            + v.pollingName() + " " + v.polling() + " s");
    if (block + margin <= deadTime) {
      return new Verdict(true, OptionalLong.of(block), deadTime,
          "path failover blocks I/O for at most " + block + " s (" + parts + "), " + margin
              + " s or more below the o2cb dead time of " + deadTime + " s");
    }
    int minThreshold = FailoverDefaults.smallestDeadThreshold(block);
    return new Verdict(false, OptionalLong.of(block), deadTime,
        "path failover can block I/O for " + block + " s (" + parts + "), but " + heartbeat
            + ": the node would fence itself; lower those values to at most " + (deadTime - margin)
            + " s together or raise the cluster's heartbeat.deadThreshold to at least " + minThreshold);
  }
}
