package io.ocfs2iscsi.operator.api.v1alpha1;

public class SessionStatus {

  private String portal;
  private String state;

  public SessionStatus() {}

  public SessionStatus(String portal, String state) {
    this.portal = portal;
    this.state = state;
  }

  public String getPortal() { return portal; }

  public void setPortal(String portal) { this.portal = portal; }

  public String getState() { return state; }

  public void setState(String state) { this.state = state; }
}
