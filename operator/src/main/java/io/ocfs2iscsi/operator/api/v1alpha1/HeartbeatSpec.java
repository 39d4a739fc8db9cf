package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

public class HeartbeatSpec {

  @Default("31")
  @Min(3)
  @Max(1000)
  @JsonPropertyDescription(
      "O2CB_HEARTBEAT_THRESHOLD: a node is declared dead after (deadThreshold - 1) * 2 seconds without a disk"
          + " heartbeat.")
  private Integer deadThreshold = 31;

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
