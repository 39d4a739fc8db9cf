package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.tools.Portal;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The LUN as seen through the sessions: its WWID (all paths agreed) and one SCSI disk per reachable portal.
 *
 * @param down portals without a usable path, with the reason
 */
public record LunPaths(String wwid, List<LunPath> paths, Map<Portal, String> down) {

  /** One path: the portal, the session id and the SCSI disk behind it. */
  public record LunPath(Portal portal, int sid, String hctl, String device) {}

  public List<String> devices() {
    return paths.stream().map(LunPath::device).toList();
  }

  public Map<String, String> deviceWwids() {
    return paths.stream().collect(Collectors.toMap(LunPath::device, p -> wwid, (a, b) -> a));
  }
}
