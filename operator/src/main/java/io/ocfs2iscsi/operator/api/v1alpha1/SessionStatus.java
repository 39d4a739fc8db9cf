package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class SessionStatus {

  private String portal;
  private String state;

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

  public String getNetdev() { return netdev; }

  public void setNetdev(String netdev) { this.netdev = netdev; }

  public String getIface() { return iface; }

  public void setIface(String iface) { this.iface = iface; }
}
