package io.ocfs2iscsi.node.tools;

/**
 * One path of a multipath map: SCSI address (host:channel:id:lun), block device, device-mapper state (active,
 * failed), checker state (ready, faulty, ghost, undef, "i/o pending", ...) and the device's online state.
 */
public record MultipathPath(
    String hctl, String device, String devT, String dmState, String checkerState, String onlineState) {

  /** Carries I/O: device-mapper uses it and the checker found it ready. */
  public boolean up() {
    return "active".equals(dmState) && "ready".equals(checkerState);
  }
}
