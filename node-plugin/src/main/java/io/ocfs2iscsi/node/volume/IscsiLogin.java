package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostTools;
import io.ocfs2iscsi.node.tools.DiscoveredPortal;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 1: a session on every portal of the volume. Portals that already have a session are left alone (iscsid
 * recovers failed ones itself); for the others: discovery (once, through the first portal that answers, or per
 * portal when the target advertises only some), the node record settings, CHAP in the record file, login. A portal
 * that fails is reported and skipped: the volume is usable with one path, and the path repair retries the rest.
 */
public final class IscsiLogin {

  private static final Logger LOG = LoggerFactory.getLogger(IscsiLogin.class);
  /** iscsiadm cannot take its lock without this directory; minimal images lack it. */
  static final String LOCK_DIR = "/run/lock/iscsi";

  private final HostTools host;

  public IscsiLogin(HostTools host) {
    this.host = host;
  }

  /** The state of one portal after {@link #connect}: its session (null when none) or why it has none. */
  public record PortalPath(Portal portal, IscsiSession session, String problem) {
    public boolean up() {
      return session != null && session.loggedIn();
    }
  }

  /** Sessions and problems of every portal of the target, in the volume's portal order. */
  public List<PortalPath> connect(IscsiTarget target, ChapCredentials chap) {
    List<Portal> portals = target.getPortalsList().stream().map(Portal::parse).toList();
    Map<Portal, IscsiSession> existing = sessionsOf(target.getIqn(), host.iscsiadm().sessions());
    List<Portal> missing = portals.stream().filter(p -> !existing.containsKey(p)).toList();
    if (missing.isEmpty()) {
      return portals.stream().map(p -> new PortalPath(p, existing.get(p), null)).toList();
    }
    host.files().createDirectories(LOCK_DIR);

    Map<Portal, String> problems = new LinkedHashMap<>();
    Map<Portal, DiscoveredPortal> advertised = new LinkedHashMap<>();
    boolean targetSeen = false;
    boolean anyDiscoveryAnswered = false;
    for (Portal p : missing) {
      if (advertised.containsKey(p)) {
        continue;
      }
      try {
        List<DiscoveredPortal> found = discover(p, chap);
        anyDiscoveryAnswered = true;
        for (DiscoveredPortal d : found) {
          if (d.target().equals(target.getIqn())) {
            targetSeen = true;
            advertised.put(d.portal(), d);
          }
        }
      } catch (ToolFailure e) {
        problems.put(p, e.getMessage());
        LOG.warn("portal {} of {}: discovery failed: {}", p, target.getIqn(), e.getMessage());
      }
    }
    if (anyDiscoveryAnswered && !targetSeen && existing.isEmpty()) {
      throw NodeException.notFound(
          "target " + target.getIqn() + " is not offered by its portals " + target.getPortalsList()
              + " (sendtargets discovery answered without it): wrong IQN, or the target does not exist");
    }
    for (Portal p : missing) {
      if (!advertised.containsKey(p)) {
        problems.putIfAbsent(
            p, "the target does not advertise portal " + p + " (discovery listed " + advertised.keySet() + ")");
        continue;
      }
      try {
        configureRecord(target, p, chap);
        host.iscsiadm().login(target.getIqn(), p);
        problems.remove(p);
      } catch (ToolFailure e) {
        problems.put(p, e.getMessage());
        LOG.warn("portal {} of {}: {}", p, target.getIqn(), e.getMessage());
      }
    }
    Map<Portal, IscsiSession> now = sessionsOf(target.getIqn(), host.iscsiadm().sessions());
    List<PortalPath> out = new ArrayList<>();
    for (Portal p : portals) {
      IscsiSession s = now.get(p);
      out.add(new PortalPath(p, s, s == null ? problems.getOrDefault(p, "no session after login") : null));
    }
    if (out.stream().noneMatch(PortalPath::up)) {
      throw NodeException.internal(
          "no iSCSI path to " + target.getIqn() + " is up: "
              + String.join("; ", out.stream().map(pp -> pp.portal() + ": " + describe(pp)).toList()));
    }
    out.stream()
        .filter(pp -> !pp.up())
        .forEach(pp -> LOG.warn("{} path {} is down ({}); continuing with the others", target.getIqn(), pp.portal(),
            describe(pp)));
    return out;
  }

  private List<DiscoveredPortal> discover(Portal p, ChapCredentials chap) {
    if (chap.discoverySettings().isEmpty()) {
      return host.iscsiadm().discover(p);
    }
    host.iscsiadm().createDiscoveryRecord(p);
    host.nodeRecords().writeDiscoverySettings(p, chap.discoverySettings());
    return host.iscsiadm().discoverThroughRecord(p);
  }

  /**
   * The node record of a portal with the volume's settings, created without discovery when there is none (the
   * path repair: a portal that was down when the volume was staged never got one from discovery).
   */
  void prepareRecord(IscsiTarget target, Portal p, ChapCredentials chap) {
    if (!host.nodeRecords().hasNodeRecord(target.getIqn(), p)) {
      host.files().createDirectories(LOCK_DIR);
      host.iscsiadm().createNode(target.getIqn(), p);
    }
    configureRecord(target, p, chap);
  }

  private void configureRecord(IscsiTarget target, Portal p, ChapCredentials chap) {
    host.iscsiadm()
        .updateNode(
            target.getIqn(), p, "node.session.timeo.replacement_timeout",
            Integer.toString(target.getReplacementTimeoutSeconds()));
    host.iscsiadm().updateNode(target.getIqn(), p, "node.startup", target.getStartup());
    if (!chap.nodeSettings().isEmpty()) {
      host.nodeRecords().writeNodeSettings(target.getIqn(), p, chap.nodeSettings());
    }
  }

  /**
   * Logs out of the portals of the target that no other staged volume needs, deleting their node records so
   * that no automatic login brings them back at boot.
   */
  public void disconnect(IscsiTarget target, Set<Portal> keep, Map<Portal, IscsiSession> existing) {
    for (String raw : target.getPortalsList()) {
      Portal p = Portal.parse(raw);
      if (keep.contains(p)) {
        LOG.info("{} {}: session kept, another staged volume uses it", target.getIqn(), p);
        continue;
      }
      if (existing.containsKey(p)) {
        host.iscsiadm().logout(target.getIqn(), p);
      }
      host.iscsiadm().deleteNode(target.getIqn(), p);
    }
  }

  static Map<Portal, IscsiSession> sessionsOf(String iqn, List<IscsiSession> sessions) {
    Map<Portal, IscsiSession> m = new LinkedHashMap<>();
    for (IscsiSession s : sessions) {
      if (iqn.equals(s.target()) && s.portal() != null) {
        m.put(s.portal(), s);
      }
    }
    return m;
  }

  static String describe(PortalPath pp) {
    if (pp.session() != null) {
      return "session " + pp.session().sid() + " " + pp.session().sessionState();
    }
    return pp.problem();
  }
}
