package io.ocfs2iscsi.node.tools;

/**
 * One iSCSI session as {@code iscsiadm -m session -P 1} shows it. {@code portal} is the persistent portal (the
 * one logged in to, which stays the same across a redirect); {@code sessionState} is LOGGED_IN, FAILED or FREE.
 */
public record IscsiSession(
    String target, Portal portal, int tpgt, int sid, String sessionState, String connectionState, String iface) {

  public boolean loggedIn() {
    return "LOGGED_IN".equals(sessionState);
  }
}
