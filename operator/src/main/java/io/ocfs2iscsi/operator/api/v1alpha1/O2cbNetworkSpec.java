package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.ValidationRule;
import io.ocfs2iscsi.contract.O2cbClusterRules;

@ValidationRule(
    value = "self.keepaliveDelayMs < self.idleTimeoutMs",
    message = "keepaliveDelayMs must be smaller than idleTimeoutMs (o2net rule)")
public class O2cbNetworkSpec {

  @Default("" + O2cbClusterRules.IDLE_TIMEOUT_MS_DEFAULT)
  @Min(O2cbClusterRules.IDLE_TIMEOUT_MS_MIN)
  @Max(O2cbClusterRules.IDLE_TIMEOUT_MS_MAX)
  @JsonPropertyDescription("O2CB_IDLE_TIMEOUT_MS: idle time before a network connection to a node is dead.")
  private Integer idleTimeoutMs = O2cbClusterRules.IDLE_TIMEOUT_MS_DEFAULT;

  @Default("" + O2cbClusterRules.KEEPALIVE_DELAY_MS_DEFAULT)
  @Min(O2cbClusterRules.KEEPALIVE_DELAY_MS_MIN)
  @Max(O2cbClusterRules.KEEPALIVE_DELAY_MS_MAX)
  @JsonPropertyDescription("O2CB_KEEPALIVE_DELAY_MS: idle time before a keepalive packet is sent.")
  private Integer keepaliveDelayMs = O2cbClusterRules.KEEPALIVE_DELAY_MS_DEFAULT;

  @Default("" + O2cbClusterRules.RECONNECT_DELAY_MS_DEFAULT)
  @Min(O2cbClusterRules.RECONNECT_DELAY_MS_MIN)
  @Max(O2cbClusterRules.RECONNECT_DELAY_MS_MAX)
  @JsonPropertyDescription("O2CB_RECONNECT_DELAY_MS: delay between connection attempts.")
  private Integer reconnectDelayMs = O2cbClusterRules.RECONNECT_DELAY_MS_DEFAULT;

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
