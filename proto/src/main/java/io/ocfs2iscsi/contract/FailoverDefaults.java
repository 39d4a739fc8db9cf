package io.ocfs2iscsi.contract;

/**
 * The product's failover defaults and the rule that ties them to the o2cb dead time. The same constants feed the
 * IscsiSharedVolume CRD's defaults, the operator's timeout check and the Ocfs2Cluster's default dead threshold.
 *
 * <p>A path that goes silent is noticed after at most noopOutInterval + noopOutTimeout (the initiator pings a
 * target it has heard nothing from, then fails the connection); its I/O then waits replacementTimeout (the session's
 * recovery_tmo) before dm-multipath sends it down another path. With 2 + 2 + 3 s a lost path stalls a writer for at
 * most about 7 s. When every path is gone, the map queues I/O for noPathRetry checker intervals more: 15 x 1 s covers
 * a SAN failover (a target restart) of about 15 s without an I/O error. A 1 s checker interval also brings a path
 * back within a second of its session's return. So I/O blocks at most 2 + 2 + 3 + 15 x 1 = 22 s.
 */
public final class FailoverDefaults {

  private FailoverDefaults() {}

  public static final int REPLACEMENT_TIMEOUT_SECONDS = 3;
  public static final int NOOP_OUT_INTERVAL_SECONDS = 2;
  public static final int NOOP_OUT_TIMEOUT_SECONDS = 2;
  /** open-iscsi's bounds are wider; below 1 s pings would fail connections on any busy SAN, above 60 s is no check. */
  public static final int NOOP_OUT_MIN = 1;
  public static final int NOOP_OUT_MAX = 60;
  public static final int POLLING_INTERVAL_SECONDS = 1;
  public static final int NO_PATH_RETRY_COUNT = 15;
  public static final String NO_PATH_RETRY = "" + NO_PATH_RETRY_COUNT;

  /**
   * What the o2cb dead time must exceed the worst blocking time by: o2cb writes its disk heartbeat every 2 s, and a
   * heartbeat write that waited through a failover needs a moment to complete on the path that is back, on a SAN
   * that may answer slowly right after its own failover.
   */
  public static final int HEARTBEAT_MARGIN_SECONDS = 10;

  /** The longest time I/O can block on lost paths before it goes on or fails (a count for no_path_retry). */
  public static long worstBlockSeconds(
      int noopOutInterval, int noopOutTimeout, int replacementTimeout, long noPathRetryCount, int pollingInterval) {
    return (long) noopOutInterval + noopOutTimeout + replacementTimeout + noPathRetryCount * pollingInterval;
  }

  /** The smallest o2cb dead threshold whose dead time, (threshold - 1) x 2 s, covers {@code block} plus the margin. */
  public static int smallestDeadThreshold(long blockSeconds) {
    long deadTime = blockSeconds + HEARTBEAT_MARGIN_SECONDS;
    return (int) ((deadTime + 1) / 2 + 1);
  }
}
