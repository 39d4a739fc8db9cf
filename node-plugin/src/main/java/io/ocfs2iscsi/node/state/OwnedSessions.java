package io.ocfs2iscsi.node.state;

import io.ocfs2iscsi.node.tools.Portal;
import java.util.Arrays;
import java.util.Collection;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The portals of one iSCSI target through which this plugin logged in on this node, kept in the state dir so that
 * it outlives restarts and reboots. A portal is recorded when the plugin sets out to log in through it (it had no
 * session then): a login that fails at stage time is made later by the path repair, or by iscsid at boot from the
 * plugin's node record, and that session is the plugin's too. A session through any other portal existed before
 * the plugin needed it (the administrator's, another tool's): the plugin uses it but never logs it out.
 */
public record OwnedSessions(String iqn, Set<Portal> portals) {

  public OwnedSessions {
    portals = Set.copyOf(portals);
  }

  public static OwnedSessions none(String iqn) {
    return new OwnedSessions(iqn, Set.of());
  }

  public OwnedSessions with(Collection<Portal> more) {
    Set<Portal> p = new TreeSet<>(OwnedSessions::compare);
    p.addAll(portals);
    p.addAll(more);
    return new OwnedSessions(iqn, p);
  }

  public OwnedSessions without(Collection<Portal> released) {
    Set<Portal> p = new TreeSet<>(OwnedSessions::compare);
    p.addAll(portals);
    p.removeAll(released);
    return new OwnedSessions(iqn, p);
  }

  Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("iqn", iqn);
    p.setProperty(
        "portals",
        portals.stream().sorted(OwnedSessions::compare).map(Portal::toString).collect(Collectors.joining(",")));
    return p;
  }

  static OwnedSessions fromProperties(Properties p) {
    Set<Portal> portals =
        Arrays.stream(p.getProperty("portals", "").split(",")).filter(s -> !s.isBlank()).map(Portal::parse)
            .collect(Collectors.toSet());
    return new OwnedSessions(p.getProperty("iqn"), portals);
  }

  private static int compare(Portal a, Portal b) {
    return a.toString().compareTo(b.toString());
  }
}
