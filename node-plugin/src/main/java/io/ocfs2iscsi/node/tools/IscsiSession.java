package io.ocfs2iscsi.node.tools;

/**
 * One iSCSI session as {@code iscsiadm -m session -P 1} shows it. {@code portal} is the persistent portal (the
 * one logged in to, which stays the same across a redirect); {@code sessionState} is LOGGED_IN, FAILED or FREE.
 * {@code iface} is the open-iscsi iface it runs through ("default" unless bound); {@code netdev} the network
 * interface that iface is bound to, empty when the session follows the routing table.
 */
public record IscsiSession(
    String target, Portal portal, int tpgt, int sid, String sessionState, String connectionState, String iface,
    String netdev) {

  public IscsiSession(
      String target, Portal portal, int tpgt, int sid, String sessionState, String connectionState, String iface) {
    this(target, portal, tpgt, sid, sessionState, connectionState, iface, "");
  }

  public boolean loggedIn() {
    return "LOGGED_IN".equals(sessionState);
  }
}
