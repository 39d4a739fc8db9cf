package io.ocfs2iscsi.contract;

import java.time.Duration;

/**
 * How long formatting a LUN may take, on each side. They nest: the node kills mkfs.ocfs2 before the operator's
 * FormatVolume call gives up, and the call gives up before the operator's format Lease could expire, so that even an
 * operator that dies in the middle (its Lease no longer renewed) cannot be followed by a second format of the same
 * LUN while the first still runs.
 */
public final class FormatDeadlines {

  private FormatDeadlines() {}

  /** The node's limit on one mkfs.ocfs2 run. */
  public static final Duration MKFS_TIMEOUT = Duration.ofMinutes(8);

  /** gRPC deadline of FormatVolume: login, map and probe, then mkfs.ocfs2 within {@link #MKFS_TIMEOUT}. */
  public static final Duration FORMAT_CALL_DEADLINE = Duration.ofMinutes(9);

  /** The format Lease's duration: whoever holds it may call FormatVolume for that LUN. */
  public static final Duration FORMAT_LEASE = Duration.ofMinutes(10);

  /** While FormatVolume runs, the holder renews its Lease this often: two renewals may fail before it expires. */
  public static Duration renewalInterval(Duration lease) {
    return lease.dividedBy(3);
  }
}
