package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;

@ValidationRule(
    value = "self.keepaliveDelayMs < self.idleTimeoutMs",
    message = "keepaliveDelayMs must be smaller than idleTimeoutMs (o2net rule)")
public class O2cbNetworkSpec {

  @Default("30000")
  @Min(5000)
  @Max(600000)
  @JsonPropertyDescription("O2CB_IDLE_TIMEOUT_MS: idle time before a network connection to a node is dead.")
  private Integer idleTimeoutMs = 30000;

  @Default("2000")
  @Min(1000)
  @Max(600000)
  @JsonPropertyDescription("O2CB_KEEPALIVE_DELAY_MS: idle time before a keepalive packet is sent.")
  private Integer keepaliveDelayMs = 2000;

  @Default("2000")
  @Min(2000)
  @Max(600000)
  @JsonPropertyDescription("O2CB_RECONNECT_DELAY_MS: delay between connection attempts.")
  private Integer reconnectDelayMs = 2000;

  public Integer getIdleTimeoutMs() {
    return idleTimeoutMs;
  }

  public void setIdleTimeoutMs(Integer idleTimeoutMs) {
    this.idleTimeoutMs = idleTimeoutMs;
  }

  public Integer getKeepaliveDelayMs() {
    return keepaliveDelayMs;
  }

  public void setKeepaliveDelayMs(Integer keepaliveDelayMs) {
    this.keepaliveDelayMs = keepaliveDelayMs;
  }

  public Integer getReconnectDelayMs() {
    return reconnectDelayMs;
  }

  public void setReconnectDelayMs(Integer reconnectDelayMs) {
    this.reconnectDelayMs = reconnectDelayMs;
  }
}
