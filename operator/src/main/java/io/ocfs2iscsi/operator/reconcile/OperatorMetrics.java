package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import io.javaoperatorsdk.operator.processing.Controller;
import io.ocfs2iscsi.operator.status.Conditions;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics: reconciles, their errors and durations per kind (fed by JOSDK), members per cluster, paths
 * up/down and conditions per volume (set by the reconcilers). Rendered in the text exposition format on /metrics.
 */
public final class OperatorMetrics implements Metrics {

  public static final String RECONCILES = "ocfs2iscsi_reconciles_total";
  public static final String RECONCILE_ERRORS = "ocfs2iscsi_reconcile_errors_total";
  public static final String RECONCILE_SECONDS = "ocfs2iscsi_reconcile_duration_seconds";
  public static final String FORMATS = "ocfs2iscsi_formats_total";
  public static final String CLUSTER_MEMBERS = "ocfs2iscsi_cluster_members";
  public static final String VOLUME_PATHS = "ocfs2iscsi_volume_paths";
  public static final String VOLUME_CONDITION = "ocfs2iscsi_volume_condition";

  /** Every metric name rendered (the histogram without its _bucket/_sum/_count suffixes). */
  public static final List<String> NAMES = List.of(
      RECONCILES, RECONCILE_ERRORS, RECONCILE_SECONDS, FORMATS, CLUSTER_MEMBERS, VOLUME_PATHS, VOLUME_CONDITION);

  /** Seconds: a pass polls every member with a 10 s deadline; a format waits minutes. */
  static final double[] RECONCILE_BUCKETS = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

  /** Per kind: bucket counts (the last is +Inf), then count and sum in nanoseconds. */
  private final Map<String, long[]> durations = new ConcurrentHashMap<>();
  private final Map<String, Double> durationSums = new ConcurrentHashMap<>();
  private final Map<String, String> kindOfController = new ConcurrentHashMap<>();
  /** Per volume: condition type to 1 (True) or 0. */
  private final Map<String, Map<String, Integer>> conditions = new ConcurrentHashMap<>();

  private final Map<String, AtomicLong> reconciles = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> errors = new ConcurrentHashMap<>();
  private final Map<String, Integer> members = new ConcurrentHashMap<>();
  private final Map<String, int[]> paths = new ConcurrentHashMap<>();
  private final AtomicLong formats = new AtomicLong();

  @Override
  public void reconcileCustomResource(HasMetadata resource, RetryInfo retryInfo, Map<String, Object> metadata) {
    reconciles.computeIfAbsent(resource.getKind(), k -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public void failedReconciliation(HasMetadata resource, Exception exception, Map<String, Object> metadata) {
    errors.computeIfAbsent(resource.getKind(), k -> new AtomicLong()).incrementAndGet();
  }

  @Override
  public void controllerRegistered(Controller<? extends HasMetadata> controller) {
    kindOfController.put(controller.getConfiguration().getName(),
        HasMetadata.getKind(controller.getConfiguration().getResourceClass()));
  }

  /** Times each reconcile and cleanup JOSDK runs, by the kind of its controller. */
  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    long start = System.nanoTime();
    try {
      return execution.execute();
    } finally {
      reconciled(kindOfController.getOrDefault(execution.controllerName(), execution.controllerName()),
          System.nanoTime() - start);
    }
  }

  /** One reconcile of {@code kind} took {@code nanos}. */
  public void reconciled(String kind, long nanos) {
    double seconds = nanos / 1e9;
    synchronized (durations) {
      long[] counts = durations.computeIfAbsent(kind, k -> new long[RECONCILE_BUCKETS.length + 1]);
      for (int i = 0; i < RECONCILE_BUCKETS.length; i++) {
        if (seconds <= RECONCILE_BUCKETS[i]) {
          counts[i]++;
        }
      }
      counts[RECONCILE_BUCKETS.length]++;
      durationSums.merge(kind, seconds, Double::sum);
    }
  }

  /** The volume's conditions as they were just written: one gauge per type, 1 when True. */
  public void volumeConditions(String volume, List<Condition> current) {
    Map<String, Integer> byType = new TreeMap<>();
    for (Condition c : current) {
      byType.put(c.getType(), Conditions.TRUE.equals(c.getStatus()) ? 1 : 0);
    }
    conditions.put(volume, byType);
  }

  public void clusterMembers(String cluster, int count) {
    members.put(cluster, count);
  }

  public void volumePaths(String volume, int up, int down) {
    paths.put(volume, new int[] {up, down});
  }

  public void volumeGone(String volume) {
    paths.remove(volume);
    conditions.remove(volume);
  }

  public void formatted() {
    formats.incrementAndGet();
  }

  public long reconciles(String kind) {
    AtomicLong n = reconciles.get(kind);
    return n == null ? 0 : n.get();
  }

  public String render() {
    StringBuilder out = new StringBuilder();
    out.append("# HELP ocfs2iscsi_reconciles_total Reconciles started, per kind.\n");
    out.append("# TYPE ocfs2iscsi_reconciles_total counter\n");
    new TreeMap<>(reconciles).forEach((k, v) -> line(out, "ocfs2iscsi_reconciles_total", "kind", k, v.get()));
    out.append("# HELP ocfs2iscsi_reconcile_errors_total Reconciles that failed, per kind.\n");
    out.append("# TYPE ocfs2iscsi_reconcile_errors_total counter\n");
    new TreeMap<>(errors).forEach((k, v) -> line(out, "ocfs2iscsi_reconcile_errors_total", "kind", k, v.get()));
    out.append("# HELP ocfs2iscsi_formats_total FormatVolume calls that ran mkfs.ocfs2.\n");
    out.append("# TYPE ocfs2iscsi_formats_total counter\n");
    out.append("ocfs2iscsi_formats_total ").append(formats.get()).append('\n');
    out.append("# HELP ocfs2iscsi_cluster_members Numbered members of each o2cb cluster (held ones excluded).\n");
    out.append("# TYPE ocfs2iscsi_cluster_members gauge\n");
    new TreeMap<>(members).forEach((k, v) -> line(out, "ocfs2iscsi_cluster_members", "cluster", k, v));
    out.append("# HELP ocfs2iscsi_volume_paths Multipath paths of each volume over the nodes that mount it.\n");
    out.append("# TYPE ocfs2iscsi_volume_paths gauge\n");
    new TreeMap<>(paths).forEach((k, v) -> {
      out.append("ocfs2iscsi_volume_paths{volume=\"").append(escape(k)).append("\",state=\"up\"} ").append(v[0])
          .append('\n');
      out.append("ocfs2iscsi_volume_paths{volume=\"").append(escape(k)).append("\",state=\"down\"} ").append(v[1])
          .append('\n');
    });
    out.append("# HELP ocfs2iscsi_volume_condition Conditions of each volume: 1 when True, 0 when False or Unknown.\n");
    out.append("# TYPE ocfs2iscsi_volume_condition gauge\n");
    new TreeMap<>(conditions).forEach((volume, byType) -> byType.forEach((type, value) ->
        out.append(VOLUME_CONDITION).append("{volume=\"").append(escape(volume)).append("\",type=\"")
            .append(escape(type)).append("\"} ").append(value).append('\n')));
    out.append("# HELP ocfs2iscsi_reconcile_duration_seconds Duration of reconciles and cleanups, per kind.\n");
    out.append("# TYPE ocfs2iscsi_reconcile_duration_seconds histogram\n");
    synchronized (durations) {
      new TreeMap<>(durations).forEach((kind, counts) -> {
        String k = escape(kind);
        for (int i = 0; i < RECONCILE_BUCKETS.length; i++) {
          out.append(RECONCILE_SECONDS).append("_bucket{kind=\"").append(k).append("\",le=\"")
              .append(bound(RECONCILE_BUCKETS[i])).append("\"} ").append(counts[i]).append('\n');
        }
        long count = counts[RECONCILE_BUCKETS.length];
        out.append(RECONCILE_SECONDS).append("_bucket{kind=\"").append(k).append("\",le=\"+Inf\"} ").append(count)
            .append('\n');
        out.append(RECONCILE_SECONDS).append("_sum{kind=\"").append(k).append("\"} ")
            .append(String.format(Locale.ROOT, "%.6f", durationSums.get(kind))).append('\n');
        out.append(RECONCILE_SECONDS).append("_count{kind=\"").append(k).append("\"} ").append(count).append('\n');
      });
    }
    return out.toString();
  }

  private static String bound(double b) {
    return b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b);
  }

  private static void line(StringBuilder out, String metric, String label, String value, long n) {
    out.append(metric).append('{').append(label).append("=\"").append(escape(value)).append("\"} ").append(n)
        .append('\n');
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
