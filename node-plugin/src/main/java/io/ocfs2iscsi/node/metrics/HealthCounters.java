package io.ocfs2iscsi.node.metrics;

import io.ocfs2iscsi.node.volume.VolumeHealth;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * What only a sequence of health reads shows (a scrape's, or the operator's GetVolumeHealth polls): how often a
 * portal's session came back, and how long a map queued I/O. Each read is compared with the one before it.
 */
public final class HealthCounters implements Consumer<VolumeHealth> {

  private final Clock clock;
  /** Per volume and portal: the session last seen, and recoveries counted. */
  private final Map<String, Map<String, VolumeHealth.Session>> lastSessions = new HashMap<>();
  private final Map<String, Map<String, Long>> recoveries = new HashMap<>();
  /** Per volume: when its map was first seen queueing in the current episode; seconds of episodes that ended. */
  private final Map<String, Instant> queueingSince = new HashMap<>();
  private final Map<String, Double> queuedSeconds = new HashMap<>();

  public HealthCounters(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized void accept(VolumeHealth h) {
    Instant now = clock.instant();
    Map<String, VolumeHealth.Session> before = lastSessions.computeIfAbsent(h.volumeId(), v -> new HashMap<>());
    Map<String, Long> counted = recoveries.computeIfAbsent(h.volumeId(), v -> new TreeMap<>());
    for (VolumeHealth.Session s : h.sessions()) {
      VolumeHealth.Session last = before.put(s.portal(), s);
      counted.putIfAbsent(s.portal(), 0L);
      if (last != null && loggedIn(s) && (!loggedIn(last) || last.sid() != s.sid())) {
        counted.merge(s.portal(), 1L, Long::sum);
      }
    }
    Instant since = queueingSince.get(h.volumeId());
    if (h.queueing() && since == null) {
      queueingSince.put(h.volumeId(), now);
    } else if (!h.queueing() && since != null) {
      queuedSeconds.merge(h.volumeId(), seconds(since, now), Double::sum);
      queueingSince.remove(h.volumeId());
    }
    queuedSeconds.putIfAbsent(h.volumeId(), 0.0);
  }

  private static boolean loggedIn(VolumeHealth.Session s) {
    return "LOGGED_IN".equals(s.state());
  }

  private static double seconds(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e9;
  }

  /** Volumes no longer staged here are forgotten: their counters start from 0 if they come back. */
  synchronized void forgetAllBut(Set<String> volumeIds) {
    lastSessions.keySet().retainAll(volumeIds);
    recoveries.keySet().retainAll(volumeIds);
    queueingSince.keySet().retainAll(volumeIds);
    queuedSeconds.keySet().retainAll(volumeIds);
  }

  /** @param aliases the map alias of each staged volume */
  synchronized void render(PrometheusText out, Map<String, String> aliases) {
    out.family(NodeMetrics.SESSION_RECOVERIES, "counter",
        "Times a health read found the iSCSI session of a staged volume on a portal LOGGED_IN again (or logged in"
            + " anew) after the read before saw it otherwise; a failure and recovery between two reads is not seen.");
    new TreeMap<>(aliases).keySet().forEach(volume -> recoveries.getOrDefault(volume, Map.of())
        .forEach((portal, n) -> out.sample(NodeMetrics.SESSION_RECOVERIES, n, "volume", volume, "portal", portal)));
    out.family(NodeMetrics.MAP_QUEUED_SECONDS, "counter",
        "Seconds I/O on a staged volume's map was queued, from the health read that first saw it queueing to the"
            + " one that saw it flowing again (or now).");
    Instant now = clock.instant();
    new TreeMap<>(aliases).forEach((volume, alias) -> {
      if (queuedSeconds.containsKey(volume)) {
        Instant since = queueingSince.get(volume);
        double total = queuedSeconds.get(volume) + (since == null ? 0 : seconds(since, now));
        out.sample(NodeMetrics.MAP_QUEUED_SECONDS, total, "volume", volume, "map", alias);
      }
    });
  }
}
