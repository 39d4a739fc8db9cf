package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SessionStatus {

  private String portal;
  private String state;

  @JsonPropertyDescription("The session's recovery_tmo as the kernel applies it (seconds): how long I/O waits for the"
      + " failed session before it fails over. Should equal target.session.replacementTimeoutSeconds.")
  private Integer recoveryTimeoutSeconds;

  @JsonPropertyDescription("The connection's recv_tmo as the kernel applies it (noop_out_interval, seconds).")
  private Integer noopOutIntervalSeconds;

  @JsonPropertyDescription("The connection's ping_tmo as the kernel applies it (noop_out_timeout, seconds).")
  private Integer noopOutTimeoutSeconds;

  @JsonPropertyDescription("Network interface the session is bound to (target.portalInterfaces); absent when it"
      + " follows the node's routing table.")
  private String netdev;

  @JsonPropertyDescription("open-iscsi iface the session runs through; absent when none.")
  private String iface;

  public SessionStatus() {}

  public SessionStatus(String portal, String state) {
    this.portal = portal;
    this.state = state;
  }

  public SessionStatus(String portal, String state, String iface, String netdev) {
    this(portal, state);
    this.iface = iface == null || iface.isEmpty() ? null : iface;
    this.netdev = netdev == null || netdev.isEmpty() ? null : netdev;
  }

  public String getPortal() { return portal; }

  public void setPortal(String portal) { this.portal = portal; }

  public String getState() { return state; }

  public void setState(String state) { this.state = state; }

  public Integer getRecoveryTimeoutSeconds() { return recoveryTimeoutSeconds; }

  public void setRecoveryTimeoutSeconds(Integer v) { this.recoveryTimeoutSeconds = v; }

  public Integer getNoopOutIntervalSeconds() { return noopOutIntervalSeconds; }

  public void setNoopOutIntervalSeconds(Integer v) { this.noopOutIntervalSeconds = v; }

  public Integer getNoopOutTimeoutSeconds() { return noopOutTimeoutSeconds; }

  public void setNoopOutTimeoutSeconds(Integer v) { this.noopOutTimeoutSeconds = v; }

  public String getNetdev() { return netdev; }

  public void setNetdev(String netdev) { this.netdev = netdev; }

  public String getIface() { return iface; }

  public void setIface(String iface) { this.iface = iface; }
}
