package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.ocfs2iscsi.contract.O2cbClusterRules;

public class HeartbeatSpec {

  @Default("" + O2cbClusterRules.DEAD_THRESHOLD_DEFAULT)
  @Min(O2cbClusterRules.DEAD_THRESHOLD_MIN)
  @Max(O2cbClusterRules.DEAD_THRESHOLD_MAX)
  @JsonPropertyDescription(
      "O2CB_HEARTBEAT_THRESHOLD: a node is declared dead after (deadThreshold - 1) * 2 seconds without a disk"
          + " heartbeat.")
  private Integer deadThreshold = O2cbClusterRules.DEAD_THRESHOLD_DEFAULT;

  public Integer getDeadThreshold() {
    return deadThreshold;
  }

  public void setDeadThreshold(Integer deadThreshold) {
    this.deadThreshold = deadThreshold;
  }

  /** Seconds without a disk heartbeat after which o2cb declares a node dead (and the node fences itself). */
  public int deadTimeSeconds() {
    return (deadThreshold - 1) * 2;
  }
}
