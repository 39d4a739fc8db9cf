package io.ocfs2iscsi.node.metrics;

import io.ocfs2iscsi.node.host.CountingCommandRunner;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.volume.OperationDurations;
import io.ocfs2iscsi.node.volume.VolumeHealth;
import io.ocfs2iscsi.node.volume.VolumeInspector;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node plugin's Prometheus metrics. Volume, path, session and map gauges are read when scraped, from the
 * health of every volume staged here (the same read as GetVolumeHealth); session recoveries and queued seconds are
 * counted from every health read (scrapes and the operator's polls); durations come from the volume operations and
 * command counts from the command runner. Only names the plugin checked (volume ids, portals, map aliases) and
 * what the host tools report (devices, states) become label values, never a secret or a command's output.
 */
public final class NodeMetrics implements OperationDurations {

  private static final Logger LOG = LoggerFactory.getLogger(NodeMetrics.class);

  public static final String PATH_UP = "ocfs2iscsi_node_path_up";
  public static final String VOLUME_PATHS_UP = "ocfs2iscsi_node_volume_paths_up";
  public static final String VOLUME_PORTALS = "ocfs2iscsi_node_volume_portals";
  public static final String VOLUME_MOUNTED = "ocfs2iscsi_node_volume_mounted";
  public static final String SESSION_UP = "ocfs2iscsi_node_session_up";
  public static final String SESSION_STATE = "ocfs2iscsi_node_session_state";
  public static final String SESSION_RECOVERIES = "ocfs2iscsi_node_session_recoveries_total";
  public static final String MAP_QUEUEING = "ocfs2iscsi_node_map_queueing";
  public static final String MAP_QUEUED_SECONDS = "ocfs2iscsi_node_map_queued_seconds_total";
  public static final String OPERATION_SECONDS = "ocfs2iscsi_node_operation_duration_seconds";
  public static final String STAGE_STEP_SECONDS = "ocfs2iscsi_node_stage_step_duration_seconds";
  public static final String COMMANDS = "ocfs2iscsi_node_host_commands_total";
  public static final String COMMAND_FAILURES = "ocfs2iscsi_node_host_command_failures_total";
  public static final String HEALTH_READ_FAILURES = "ocfs2iscsi_node_health_read_failures_total";

  /** Every metric name this class exports (histograms without their _bucket/_sum/_count suffixes). */
  public static final List<String> NAMES = List.of(
      PATH_UP, VOLUME_PATHS_UP, VOLUME_PORTALS, VOLUME_MOUNTED, SESSION_UP, SESSION_STATE, SESSION_RECOVERIES,
      MAP_QUEUEING, MAP_QUEUED_SECONDS, OPERATION_SECONDS, STAGE_STEP_SECONDS, COMMANDS, COMMAND_FAILURES,
      HEALTH_READ_FAILURES);

  /** Session states as iscsiadm reports them, and NONE for a portal without a session: each gets a series. */
  static final List<String> SESSION_STATES = List.of("LOGGED_IN", "FAILED", "FREE", "NONE");

  /** Seconds: a stage takes 5-30 s, a format up to minutes (mkfs is killed after 8). */
  private static final double[] OPERATION_BUCKETS = {0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600};
  private static final double[] STEP_BUCKETS = {0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60};

  private final Supplier<List<StagedVolume>> staged;
  private final VolumeInspector inspector;
  private final CountingCommandRunner commands;
  private final Histogram operations = new Histogram(OPERATION_SECONDS,
      "Duration of NodeStageVolume, NodeUnstageVolume and FormatVolume on this node, by outcome (ok, error).",
      List.of("operation", "outcome"), OPERATION_BUCKETS);
  private final Histogram stageSteps = new Histogram(STAGE_STEP_SECONDS,
      "Duration of each step of a successful NodeStageVolume (iscsi_login, wwid, multipath, o2cb, mount).",
      List.of("step"), STEP_BUCKETS);

  private final HealthCounters counters;
  private long healthReadFailures;

  /**
   * @param staged the volumes recorded here (those STAGED are read)
   * @param inspector reads a staged volume's health; it reports every read to {@code counters}
   */
  public NodeMetrics(
      Supplier<List<StagedVolume>> staged, VolumeInspector inspector, HealthCounters counters,
      CountingCommandRunner commands) {
    this.staged = staged;
    this.inspector = inspector;
    this.counters = counters;
    this.commands = commands;
  }

  @Override
  public void observe(Operation operation, boolean succeeded, long nanos) {
    operations.observe(nanos / 1e9, operation.label(), succeeded ? "ok" : "error");
  }

  @Override
  public void observeStageSteps(Map<String, Long> stepNanos) {
    stepNanos.forEach((step, nanos) -> stageSteps.observe(nanos / 1e9, step));
  }

  private static boolean loggedIn(VolumeHealth.Session s) {
    return "LOGGED_IN".equals(s.state());
  }

  /** The metrics in the text exposition format; reads the health of every staged volume. */
  public String render() {
    List<VolumeHealth> healths = new ArrayList<>();
    Map<String, String> aliases = new HashMap<>();
    List<StagedVolume> volumes = staged.get().stream()
        .filter(v -> v.phase() == StagedVolume.Phase.STAGED)
        .sorted((a, b) -> a.volumeId().compareTo(b.volumeId()))
        .toList();
    for (StagedVolume v : volumes) {
      aliases.put(v.volumeId(), v.spec().getMultipath().getAlias());
      try {
        healths.add(inspector.health(v));
      } catch (RuntimeException e) {
        synchronized (this) {
          healthReadFailures++;
        }
        LOG.warn("metrics: cannot read the health of {}: {}", v.volumeId(), e.getMessage());
      }
    }
    PrometheusText out = new PrometheusText();
    volumeGauges(out, healths, aliases);
    counters.forgetAllBut(aliases.keySet());
    counters.render(out, aliases);
    out.family(HEALTH_READ_FAILURES, "counter", "Health reads of staged volumes for a scrape that failed.");
    synchronized (this) {
      out.sample(HEALTH_READ_FAILURES, healthReadFailures);
    }
    operations.render(out);
    stageSteps.render(out);
    commandCounts(out);
    return out.toString();
  }

  private void volumeGauges(PrometheusText out, List<VolumeHealth> healths, Map<String, String> aliases) {
    out.family(PATH_UP, "gauge",
        "1 when a multipath path of a staged volume carries I/O (dm state active, checker ready), 0 when not.");
    for (VolumeHealth h : healths) {
      for (MultipathPath p : h.paths()) {
        out.sample(PATH_UP, p.up() ? 1 : 0, "volume", h.volumeId(), "device", p.device(), "hctl", p.hctl());
      }
    }
    out.family(VOLUME_PATHS_UP, "gauge", "Paths of a staged volume's map that carry I/O.");
    healths.forEach(h -> out.sample(VOLUME_PATHS_UP, h.paths().stream().filter(MultipathPath::up).count(),
        "volume", h.volumeId()));
    out.family(VOLUME_PORTALS, "gauge", "Portals of a staged volume: the paths it has when all are up.");
    healths.forEach(h -> out.sample(VOLUME_PORTALS, h.sessions().size(), "volume", h.volumeId()));
    out.family(VOLUME_MOUNTED, "gauge", "1 when a staged volume's filesystem is mounted at its staging path.");
    healths.forEach(h -> out.sample(VOLUME_MOUNTED, h.mounted() ? 1 : 0, "volume", h.volumeId()));
    out.family(SESSION_UP, "gauge", "1 when the iSCSI session of a staged volume on a portal is LOGGED_IN.");
    for (VolumeHealth h : healths) {
      for (VolumeHealth.Session s : h.sessions()) {
        out.sample(SESSION_UP, loggedIn(s) ? 1 : 0, "volume", h.volumeId(), "portal", s.portal());
      }
    }
    out.family(SESSION_STATE, "gauge",
        "1 for the state the iSCSI session of a staged volume on a portal is in (NONE: no session), 0 for the others.");
    for (VolumeHealth h : healths) {
      for (VolumeHealth.Session s : h.sessions()) {
        Set<String> states = new LinkedHashSet<>(SESSION_STATES);
        states.add(s.state());
        for (String state : states) {
          out.sample(SESSION_STATE, state.equals(s.state()) ? 1 : 0, "volume", h.volumeId(), "portal", s.portal(),
              "state", state);
        }
      }
    }
    out.family(MAP_QUEUEING, "gauge",
        "1 while I/O on a staged volume's map waits: no path is up and the map queues (queue_if_no_path).");
    healths.forEach(h -> out.sample(MAP_QUEUEING, h.queueing() ? 1 : 0, "volume", h.volumeId(), "map",
        aliases.get(h.volumeId())));
  }

  private void commandCounts(PrometheusText out) {
    out.family(COMMANDS, "counter", "Host commands run, per tool.");
    commands.runs().forEach((tool, n) -> out.sample(COMMANDS, n, "tool", tool));
    out.family(COMMAND_FAILURES, "counter", "Host commands that failed, per tool and how (exit_code includes tools"
        + " that answer \"nothing found\" with a non-zero exit, e.g. iscsiadm 21 when there is no session).");
    commands.failures().forEach((f, n) -> out.sample(COMMAND_FAILURES, n, "tool", f.tool(), "reason",
        f.failure().label()));
  }
}
