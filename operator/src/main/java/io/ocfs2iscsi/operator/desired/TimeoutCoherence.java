package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.MultipathSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionSpec;
import java.util.OptionalLong;

/**
 * Whether a volume's path failover fits inside the o2cb disk heartbeat. When every path is down, I/O waits up to
 * replacement_timeout for the iSCSI session to come back, then dm-multipath queues it for no_path_retry checker
 * intervals (forever with "queue"). The node's own heartbeat writes wait just as long; o2cb declares a node dead
 * after (deadThreshold - 1) * 2 s without one, and a node that sees its heartbeat miss that long fences itself.
 * So the worst blocked time must stay below the dead time.
 */
public final class TimeoutCoherence {

  private TimeoutCoherence() {}

  /**
   * @param blockSeconds worst time I/O can block on lost paths; empty means forever (no_path_retry queue)
   */
  public record Verdict(boolean coherent, OptionalLong blockSeconds, int deadTimeSeconds, String message) {}

  public static Verdict check(IscsiSharedVolumeSpec spec, int deadThreshold) {
    SessionSpec session = spec.getTarget().getSession();
    MultipathSpec mp = spec.getMultipath() == null ? new MultipathSpec() : spec.getMultipath();
    int replacement = session == null ? 10 : session.getReplacementTimeoutSeconds();
    int polling = mp.getPollingIntervalSeconds();
    String retry = mp.getNoPathRetry();
    int deadTime = (deadThreshold - 1) * 2;
    String heartbeat = "o2cb declares a node dead after " + deadTime + " s without a disk heartbeat ((deadThreshold "
        + deadThreshold + " - 1) x 2 s)";
    if ("queue".equals(retry)) {
      // the largest count n with replacement + n x polling < deadTime (counts start at 1)
      long maxCount = deadTime > replacement ? (deadTime - replacement - 1) / polling : 0;
      return new Verdict(false, OptionalLong.empty(), deadTime,
          "multipath.noPathRetry queue blocks I/O forever when every path is down, but " + heartbeat
              + ": the node would fence itself; " + (maxCount >= 1
                  ? "use a count of at most " + maxCount + " instead"
                  : "use a count, and lower target.session.replacementTimeoutSeconds " + replacement
                      + " s or raise heartbeat.deadThreshold so that the count fits"));
    }
    long retrySeconds = "fail".equals(retry) ? 0 : Long.parseLong(retry) * polling;
    long block = replacement + retrySeconds;
    String parts = "target.session.replacementTimeoutSeconds " + replacement + " s"
        + ("fail".equals(retry) ? "" : " + multipath.noPathRetry " + retry + " x pollingIntervalSeconds " + polling
            + " s");
    if (block < deadTime) {
      return new Verdict(true, OptionalLong.of(block), deadTime,
          "path failover blocks I/O for at most " + block + " s (" + parts + "), below the o2cb dead time of "
              + deadTime + " s");
    }
    long minThreshold = block / 2 + 2;
    return new Verdict(false, OptionalLong.of(block), deadTime,
        "path failover can block I/O for " + block + " s (" + parts + "), but " + heartbeat
            + ": the node would fence itself; lower those values below " + deadTime
            + " s or raise the cluster's heartbeat.deadThreshold to at least " + minThreshold);
  }
}
