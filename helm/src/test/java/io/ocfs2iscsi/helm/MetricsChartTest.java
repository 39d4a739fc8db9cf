package io.ocfs2iscsi.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node plugin's metrics port, the optional ServiceMonitors, and the Grafana dashboard. */
class MetricsChartTest {

  private static final Path DASHBOARD = Chart.dir().resolve("dashboards/iscsi-ocfs2-volumes.json");
  /** Where the metric names are defined: the dashboard may use only these. */
  private static final List<Path> METRIC_SOURCES = List.of(
      Chart.root().resolve("node-plugin/src/main/java/io/ocfs2iscsi/node/metrics/NodeMetrics.java"),
      Chart.root().resolve("operator/src/main/java/io/ocfs2iscsi/operator/reconcile/OperatorMetrics.java"));
  private static final Pattern NAME_CONSTANT =
      Pattern.compile("static final String [A-Z_]+ = \"(ocfs2iscsi_[a-z0-9_]+)\";");
  private static final Pattern NAME_IN_QUERY = Pattern.compile("ocfs2iscsi_[a-z0-9_]+");

  private static Path values(Path dir, String yaml) throws Exception {
    Path values = dir.resolve("values.yaml");
    Files.writeString(values, yaml);
    return values;
  }

  private static Container plugin(List<HasMetadata> objects) {
    return Chart.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec().getContainers().stream()
        .filter(c -> c.getName().equals("node-plugin")).findFirst().orElseThrow();
  }

  private static List<GenericKubernetesResource> serviceMonitors(List<HasMetadata> objects) {
    return objects.stream().filter(o -> o instanceof GenericKubernetesResource && o.getKind().equals("ServiceMonitor"))
        .map(GenericKubernetesResource.class::cast).toList();
  }

  @Test
  void theNodePluginServesMetricsByDefaultAndNoServiceMonitorOrDashboardIsRendered() {
    List<HasMetadata> objects = Chart.objects(Chart.template(null));
    Container plugin = plugin(objects);

    assertThat(plugin.getArgs()).contains("--metrics-endpoint=0.0.0.0:9809");
    assertThat(plugin.getPorts()).extracting(ContainerPort::getName, ContainerPort::getContainerPort)
        .contains(org.assertj.core.groups.Tuple.tuple("metrics", 9809));
    assertThat(serviceMonitors(objects)).isEmpty();
    assertThat(Chart.all(objects, ConfigMap.class)).extracting(c -> c.getMetadata().getName())
        .doesNotContain("ocfs2iscsi-dashboard");
    assertThat(Chart.all(objects, Service.class)).extracting(s -> s.getMetadata().getName())
        .containsExactly("ocfs2iscsi-operator-metrics");
  }

  @Test
  void portZeroTurnsTheNodePluginsMetricsOff(@TempDir Path tmp) throws Exception {
    Container plugin = plugin(Chart.objects(Chart.template(values(tmp, "nodePlugin:\n  metricsPort: 0\n"))));

    assertThat(plugin.getArgs()).noneMatch(a -> a.startsWith("--metrics-endpoint"));
    assertThat(plugin.getPorts()).extracting(ContainerPort::getName).doesNotContain("metrics");
    assertThatThrownBy(() -> Chart.template(values(tmp,
        "nodePlugin:\n  metricsPort: 0\nmetrics:\n  serviceMonitor:\n    enabled: true\n")))
        .hasMessageContaining("metrics.serviceMonitor.enabled needs nodePlugin.metricsPort");
  }

  @Test
  void serviceMonitorsScrapeTheOperatorAndEveryNodePlugin(@TempDir Path tmp) throws Exception {
    List<HasMetadata> objects = Chart.objects(Chart.template(values(tmp, "nodePlugin:\n  metricsPort: 9900\n"
        + "metrics:\n  serviceMonitor:\n    enabled: true\n    interval: 15s\n    labels: {release: prometheus}\n")));
    Map<String, String> podLabels =
        Chart.one(objects, DaemonSet.class).getSpec().getTemplate().getMetadata().getLabels();
    Service nodes = Chart.all(objects, Service.class).stream()
        .filter(s -> s.getMetadata().getName().equals("ocfs2iscsi-node-plugin-metrics")).findFirst().orElseThrow();
    Service operator = Chart.all(objects, Service.class).stream()
        .filter(s -> s.getMetadata().getName().equals("ocfs2iscsi-operator-metrics")).findFirst().orElseThrow();

    assertThat(nodes.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(podLabels).containsAllEntriesOf(nodes.getSpec().getSelector());
    assertThat(nodes.getSpec().getPorts()).singleElement().satisfies(p -> {
      assertThat(p.getPort()).isEqualTo(9900);
      assertThat(p.getTargetPort().getStrVal()).isEqualTo("metrics");
    });
    assertThat(serviceMonitors(objects)).hasSize(2).allSatisfy(m -> {
      assertThat(m.getApiVersion()).isEqualTo("monitoring.coreos.com/v1");
      assertThat(m.getMetadata().getLabels()).containsEntry("release", "prometheus");
    });
    for (GenericKubernetesResource monitor : serviceMonitors(objects)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
      @SuppressWarnings("unchecked")
      Map<String, String> selector =
          (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
      @SuppressWarnings("unchecked")
      Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
      Service selected = monitor.getMetadata().getName().equals("ocfs2iscsi-node-plugin") ? nodes : operator;
      assertThat(selected.getMetadata().getLabels()).as(monitor.getMetadata().getName())
          .containsAllEntriesOf(selector);
      assertThat(selected.getSpec().getPorts()).extracting(p -> p.getName()).contains((String) endpoint.get("port"));
      assertThat(endpoint).containsEntry("path", "/metrics").containsEntry("interval", "15s");
    }
    // Only the two metrics Services are selected, no other Service of the release.
    assertThat(Chart.all(objects, Service.class)).hasSize(2);
  }

  @Test
  void theDashboardConfigMapHoldsTheRepositorysDashboardForGrafanasSidecar(@TempDir Path tmp) throws Exception {
    List<HasMetadata> objects = Chart.objects(Chart.template(values(tmp,
        "metrics:\n  dashboard:\n    enabled: true\n")));
    ConfigMap dashboard = Chart.all(objects, ConfigMap.class).stream()
        .filter(c -> c.getMetadata().getName().equals("ocfs2iscsi-dashboard")).findFirst().orElseThrow();

    assertThat(dashboard.getMetadata().getLabels()).containsEntry("grafana_dashboard", "1");
    assertThat(new ObjectMapper().readTree(dashboard.getData().get("iscsi-ocfs2-volumes.json")))
        .isEqualTo(new ObjectMapper().readTree(DASHBOARD.toFile()));
    assertThat(serviceMonitors(objects)).isEmpty();
  }

  @Test
  void serviceMonitorsAndDashboardRenderTogether(@TempDir Path tmp) throws Exception {
    List<HasMetadata> objects = Chart.objects(Chart.template(values(tmp,
        "metrics:\n  serviceMonitor:\n    enabled: true\n  dashboard:\n    enabled: true\n")));

    assertThat(serviceMonitors(objects)).extracting(m -> m.getMetadata().getName())
        .containsExactlyInAnyOrder("ocfs2iscsi-node-plugin", "ocfs2iscsi-operator");
    assertThat(Chart.all(objects, ConfigMap.class)).extracting(c -> c.getMetadata().getName())
        .contains("ocfs2iscsi-dashboard");
  }

  @Test
  void theDashboardQueriesOnlyMetricsTheCodeExportsAndShowsPathsQueueingDurationsAndConditions()
      throws Exception {
    Set<String> exported = new TreeSet<>();
    for (Path source : METRIC_SOURCES) {
      Matcher m = NAME_CONSTANT.matcher(Files.readString(source));
      while (m.find()) {
        exported.add(m.group(1));
      }
    }
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    List<String> queries = new ArrayList<>();
    dashboard.findValues("expr").forEach(e -> queries.add(e.asText()));
    dashboard.findValues("definition").forEach(e -> queries.add(e.asText()));
    Set<String> used = new TreeSet<>();
    for (String query : queries) {
      Matcher m = NAME_IN_QUERY.matcher(query);
      while (m.find()) {
        used.add(m.group().replaceAll("_(bucket|sum|count)$", ""));
      }
    }

    assertThat(exported).contains("ocfs2iscsi_node_path_up", "ocfs2iscsi_volume_condition");
    assertThat(dashboard.path("panels").size()).isGreaterThan(5);
    assertThat(exported).as("metric names the dashboard queries").containsAll(used);
    assertThat(used).contains("ocfs2iscsi_node_path_up", "ocfs2iscsi_node_map_queueing",
        "ocfs2iscsi_node_map_queued_seconds_total", "ocfs2iscsi_node_operation_duration_seconds",
        "ocfs2iscsi_volume_condition", "ocfs2iscsi_reconcile_duration_seconds");
    for (JsonNode panel : dashboard.path("panels")) {
      assertThat(panel.path("title").asText()).isNotBlank();
      assertThat(panel.path("gridPos").path("w").asInt()).isBetween(1, 24);
    }
  }
}
