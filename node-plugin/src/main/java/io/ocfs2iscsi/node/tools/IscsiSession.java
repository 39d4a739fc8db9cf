package io.ocfs2iscsi.node.tools;

/**
 * One iSCSI session as {@code iscsiadm -m session -P 1} shows it. {@code portal} is the persistent portal (the
 * one logged in to, which stays the same across a redirect); {@code sessionState} is the kernel's session state
 * (scsi_transport_iscsi): LOGGED_IN, FAILED (in recovery, I/O held) or FREE (the recovery timeout ran out, I/O fails).
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

  /**
   * FREE: the recovery timeout ran out. iscsid may still be logging it in again (while the portal is unreachable it
   * retries for ever), or may have given it up (a re-login answered "target not found"): then it stays FREE, without
   * its disks, until it is logged out.
   */
  public boolean free() {
    return "FREE".equals(sessionState);
  }
}
