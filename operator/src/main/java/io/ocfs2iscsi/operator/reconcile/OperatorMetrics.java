package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.api.reconciler.RetryInfo;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Prometheus metrics: reconciles and their errors per kind (fed by JOSDK), members per cluster and paths up/down
 * per volume (set by the reconcilers). Rendered in the text exposition format on /metrics.
 */
public final class OperatorMetrics implements Metrics {

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

  public void clusterMembers(String cluster, int count) {
    members.put(cluster, count);
  }

  public void volumePaths(String volume, int up, int down) {
    paths.put(volume, new int[] {up, down});
  }

  public void volumeGone(String volume) {
    paths.remove(volume);
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
    return out.toString();
  }

  private static void line(StringBuilder out, String metric, String label, String value, long n) {
    out.append(metric).append('{').append(label).append("=\"").append(escape(value)).append("\"} ").append(n)
        .append('\n');
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
