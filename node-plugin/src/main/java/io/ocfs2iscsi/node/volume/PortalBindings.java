package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.node.tools.Portal;
import java.util.Map;

/**
 * The network interface each portal of a target is bound to ({@code target.portal_interfaces}) and the open-iscsi
 * iface that carries the binding: one iface per network interface, named after it with a prefix that marks it as
 * this plugin's (only such ifaces are ever deleted again).
 */
public final class PortalBindings {

  public static final String IFACE_PREFIX = "ocfs2iscsi-";

  private PortalBindings() {}

  public static String ifaceName(String netdev) {
    return IFACE_PREFIX + netdev;
  }

  /** True for an iface this plugin creates. */
  public static boolean ours(String iface) {
    return iface != null && iface.startsWith(IFACE_PREFIX);
  }

  /** The network interface the portal is bound to; null when it follows the routing table. */
  public static String netdevOf(IscsiTarget target, Portal portal) {
    for (Map.Entry<String, String> e : target.getPortalInterfacesMap().entrySet()) {
      if (Portal.parse(e.getKey()).equals(portal)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** The iface of the portal's binding; null when the portal is not bound. */
  public static String ifaceOf(IscsiTarget target, Portal portal) {
    String netdev = netdevOf(target, portal);
    return netdev == null ? null : ifaceName(netdev);
  }
}
