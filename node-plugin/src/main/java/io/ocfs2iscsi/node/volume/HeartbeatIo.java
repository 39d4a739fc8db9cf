package io.ocfs2iscsi.node.volume;

import java.util.Optional;

/**
 * Whether this node's o2cb disk heartbeat on a volume is being written, and how long it has left. o2hb writes the
 * heartbeat every 2 s; when no write completes for the dead time ((dead_threshold - 1) x 2 s) it logs "Heartbeat
 * write timeout" and fences (restarts) the node. A SAN outage longer than that reboots every node that mounts the
 * volume, so the countdown is worth telling before it ends.
 *
 * @param silentMs time since the last completed write (empty when it could not be read)
 * @param secondsUntilFence while failing: seconds left before o2cb fences the node (the whole dead time, an upper
 *     bound, when the silence could not be measured); 0 otherwise
 */
public record HeartbeatIo(boolean failing, Optional<Long> silentMs, long secondsUntilFence) {

  /** o2hb's write interval (O2HB_REGION_TIMEOUT_MS). */
  static final long INTERVAL_MS = 2_000;
  /** Silence beyond this many missed writes counts as failing, not as a slow write. */
  static final long FAILING_AFTER_MS = 3 * INTERVAL_MS;

  public static final HeartbeatIo WRITING = new HeartbeatIo(false, Optional.empty(), 0);

  /**
   * @param mounted the filesystem is mounted here (only then does this node heartbeat on the volume)
   * @param activePaths the map's active paths: with none, the heartbeat writes queue or fail
   * @param silentMs o2hb's time since the last completed write, when readable
   * @param deadThreshold o2cb's heartbeat dead threshold on this node
   */
  public static HeartbeatIo of(boolean mounted, int activePaths, Optional<Long> silentMs, int deadThreshold) {
    if (!mounted) {
      return WRITING;
    }
    long deadMs = (deadThreshold - 1L) * INTERVAL_MS;
    if (silentMs.isPresent() && silentMs.get() >= FAILING_AFTER_MS) {
      return new HeartbeatIo(true, silentMs, Math.max(0, deadMs - silentMs.get()) / 1000);
    }
    if (activePaths == 0 && silentMs.isEmpty()) {
      return new HeartbeatIo(true, silentMs, deadMs / 1000);
    }
    return new HeartbeatIo(false, silentMs, 0);
  }

  /** The problem line of a failing heartbeat; empty while it is written. */
  public Optional<String> problem() {
    if (!failing) {
      return Optional.empty();
    }
    String silence = silentMs.map(ms -> "not written for " + (ms / 1000) + " s")
        .orElse("cannot be written (no active path)");
    return Optional.of("o2cb disk heartbeat " + silence + ": o2cb fences (restarts) this node in "
        + (silentMs.isPresent() ? "" : "at most ") + secondsUntilFence + " s unless the SAN answers again");
  }
}
