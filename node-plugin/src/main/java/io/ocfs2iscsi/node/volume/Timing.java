package io.ocfs2iscsi.node.volume;

import java.time.Duration;

/**
 * Bounded waits for what the kernel and udev do asynchronously: SCSI disks appearing after a login, udev
 * answering scsi_id, multipathd building a map. Counted in attempts so that tests can run them without time.
 *
 * @param otherPortalsWait how long a stage still waits for the discovery through the other portals once one portal
 *     of the target answered (a portal whose link is cut would hold it for discovery's whole 45 s timeout)
 */
public record Timing(
    Duration interval, int deviceAttempts, int wwidAttempts, int mapAttempts, int unmountedAttempts,
    Duration otherPortalsWait) {

  /**
   * Measured in slow guests: disks within a few seconds, udev up to 10 s, a map within 10-20 s; a portal that
   * answers at all answers SendTargets within milliseconds.
   */
  public static final Timing DEFAULT = new Timing(Duration.ofMillis(500), 60, 40, 80, 20, Duration.ofSeconds(10));
}
