package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class OperatorMetricsTest {

  /** One sample line of the text format: name, optional labels with escaped values, a number. */
  private static final Pattern SAMPLE = Pattern.compile(
      "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\[\\\\\"n]|[^\"\\\\\\n])*\""
          + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\[\\\\\"n]|[^\"\\\\\\n])*\")*\\})? -?[0-9]+(\\.[0-9]+)?");

  private final OperatorMetrics metrics = new OperatorMetrics();

  private static Condition condition(String type, String status) {
    return new ConditionBuilder().withType(type).withStatus(status).withReason("R").build();
  }

  private String render() {
    String text = metrics.render();
    for (String line : text.split("\n")) {
      if (!line.startsWith("# ")) {
        assertThat(line).matches(SAMPLE);
      }
    }
    return text;
  }

  @Test
  void eachVolumeHasOneGaugePerConditionTypeAndLosesThemWhenGone() {
    metrics.volumeConditions("mylun", List.of(condition("Ready", "True"), condition("Degraded", "True"),
        condition("Formatted", "True"), condition("TimeoutsCoherent", "Unknown")));
    metrics.volumeConditions("other", List.of(condition("Ready", "False")));
    metrics.volumeConditions("mylun", List.of(condition("Ready", "True"), condition("Degraded", "False")));

    String text = render();

    assertThat(text)
        .contains("# TYPE ocfs2iscsi_volume_condition gauge\n")
        .contains("ocfs2iscsi_volume_condition{volume=\"mylun\",type=\"Degraded\"} 0\n")
        .contains("ocfs2iscsi_volume_condition{volume=\"mylun\",type=\"Ready\"} 1\n")
        .contains("ocfs2iscsi_volume_condition{volume=\"other\",type=\"Ready\"} 0\n")
        .doesNotContain("type=\"Formatted\"");

    metrics.volumeGone("mylun");
    assertThat(render()).doesNotContain("volume=\"mylun\"").contains("volume=\"other\"");
  }

  @Test
  void reconcileDurationsAreAHistogramPerKind() throws Exception {
    metrics.reconciled("IscsiSharedVolume", 30_000_000L);
    metrics.reconciled("IscsiSharedVolume", 4_000_000_000L);
    metrics.reconciled("Ocfs2Cluster", 200_000_000L);

    String text = render();

    assertThat(text)
        .contains("# TYPE ocfs2iscsi_reconcile_duration_seconds histogram\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_bucket{kind=\"IscsiSharedVolume\",le=\"0.01\"} 0\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_bucket{kind=\"IscsiSharedVolume\",le=\"0.05\"} 1\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_bucket{kind=\"IscsiSharedVolume\",le=\"2.5\"} 1\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_bucket{kind=\"IscsiSharedVolume\",le=\"5\"} 2\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_bucket{kind=\"IscsiSharedVolume\",le=\"+Inf\"} 2\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_sum{kind=\"IscsiSharedVolume\"} 4.030000\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_count{kind=\"IscsiSharedVolume\"} 2\n")
        .contains("ocfs2iscsi_reconcile_duration_seconds_count{kind=\"Ocfs2Cluster\"} 1\n");
    for (String name : OperatorMetrics.NAMES) {
      assertThat(text).contains("# TYPE " + name + " ");
    }
  }

  @Test
  void aControllerExecutionIsTimedAlsoWhenItFails() {
    Metrics.ControllerExecution<String> failing = new Metrics.ControllerExecution<>() {
      @Override
      public String name() {
        return "reconcile";
      }

      @Override
      public String controllerName() {
        return "iscsisharedvolumereconciler";
      }

      @Override
      public String successTypeName(String result) {
        return "ok";
      }

      @Override
      public ResourceID resourceID() {
        return new ResourceID("mylun");
      }

      @Override
      public Map<String, Object> metadata() {
        return Map.of();
      }

      @Override
      public String execute() {
        throw new IllegalStateException("API server gone");
      }
    };

    assertThatThrownBy(() -> metrics.timeControllerExecution(failing)).hasMessage("API server gone");
    assertThat(render())
        .contains("ocfs2iscsi_reconcile_duration_seconds_count{kind=\"iscsisharedvolumereconciler\"} 1\n");
  }

  @Test
  void labelValuesAreEscaped() {
    metrics.volumeConditions("a\"b\\c\nd", List.of(condition("Ready", "True")));

    assertThat(render()).contains("ocfs2iscsi_volume_condition{volume=\"a\\\"b\\\\c\\nd\",type=\"Ready\"} 1\n");
  }
}
