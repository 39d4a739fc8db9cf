package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostTools;
import io.ocfs2iscsi.node.tools.DiscoveredPortal;
import io.ocfs2iscsi.node.tools.IscsiNodeRecords;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 1: a session on every portal of the volume. Portals that already have a session are left alone (iscsid
 * recovers failed ones itself); for the others: discovery (once, through the first portal that answers, or per
 * portal when the target advertises only some), the node record settings, CHAP in the record file, login. A portal
 * that fails is reported and skipped: the volume is usable with one path, and the path repair retries the rest.
 *
 * <p>The portals it sets out to log in through are recorded as the plugin's ({@link OwnedSessions}) before the
 * first host change; only those sessions are ever logged out again. Callers hold the target's lock
 * ({@link TargetLocks}) around {@link #connect} and {@link #release}.
 */
public final class IscsiLogin {

  private static final Logger LOG = LoggerFactory.getLogger(IscsiLogin.class);
  /** iscsiadm cannot take its lock without this directory; minimal images lack it. */
  static final String LOCK_DIR = "/run/lock/iscsi";

  private final HostTools host;
  private final StateStore state;
  private final TargetLocks locks;

  public IscsiLogin(HostTools host, StateStore state, TargetLocks locks) {
    this.host = host;
    this.state = state;
    this.locks = locks;
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
    state.saveOwnedSessions(state.ownedSessions(target.getIqn()).with(missing));
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
        List<DiscoveredPortal> found = discover(target, p, chap);
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

  /**
   * Discovery through one portal, leaving the host's node records as they were plus those of the volume's own
   * portals: records the discovery added for other targets (or other portals of the target) are deleted again, so
   * that no automatic login at boot reaches them; records that existed before are never touched. Discovery CHAP is
   * in the portal's discovery record only while the discovery runs.
   */
  private List<DiscoveredPortal> discover(IscsiTarget target, Portal p, ChapCredentials chap) {
    try (TargetLocks.Held records = locks.nodeRecords("discovery through " + p)) {
      Set<IscsiNodeRecords.NodeRecord> before = host.nodeRecords().all();
      List<DiscoveredPortal> found = chap.discoverySettings().isEmpty() ? host.iscsiadm().discover(p)
          : discoverWithChap(p, chap);
      Set<Portal> asked = target.getPortalsList().stream().map(Portal::parse).collect(Collectors.toSet());
      for (DiscoveredPortal d : found) {
        boolean wanted = d.target().equals(target.getIqn()) && asked.contains(d.portal());
        if (!wanted && !before.contains(new IscsiNodeRecords.NodeRecord(d.target(), d.portal()))) {
          removeRecord(d, p);
        }
      }
      return found;
    }
  }

  private List<DiscoveredPortal> discoverWithChap(Portal p, ChapCredentials chap) {
    Map<String, String> before = host.nodeRecords().discoveryRecords(p);
    try {
      host.iscsiadm().createDiscoveryRecord(p);
      host.nodeRecords().writeDiscoverySettings(p, chap.discoverySettings());
      return host.iscsiadm().discoverThroughRecord(p);
    } finally {
      host.nodeRecords().restoreDiscoveryRecords(p, before);
    }
  }

  private void removeRecord(DiscoveredPortal d, Portal through) {
    if (!ValueRules.matches(ValueRules.IQN, d.target())) {
      LOG.warn("discovery through {} listed a target name that is no iSCSI name ({}); its record is left alone",
          through, d.target());
      return;
    }
    try {
      host.iscsiadm().deleteNode(d.target(), d.portal());
      LOG.info("removed the node record of {} at {} that discovery through {} added (no volume asked for it)",
          d.target(), d.portal(), through);
    } catch (ToolFailure e) {
      LOG.warn("could not remove the node record of {} at {} that discovery through {} added: {}", d.target(),
          d.portal(), through, e.getMessage());
    }
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
   * Logs out of the target's sessions on the volume's portals that this plugin logged in and that are not
   * {@code needed}, deleting their node records so that no automatic login brings them back at boot. A session the
   * plugin did not log in is left alone, with its node record, whoever uses it.
   *
   * @param existing the target's sessions now
   */
  public void release(IscsiTarget target, Set<Portal> needed, Map<Portal, IscsiSession> existing) {
    OwnedSessions owned = state.ownedSessions(target.getIqn());
    List<Portal> released = new ArrayList<>();
    for (String raw : target.getPortalsList()) {
      Portal p = Portal.parse(raw);
      if (!owned.portals().contains(p)) {
        if (existing.containsKey(p)) {
          LOG.info("{} {}: session kept, it existed before this plugin logged in", target.getIqn(), p);
        }
        continue;
      }
      if (needed.contains(p)) {
        LOG.info("{} {}: session kept, another volume on this node uses it", target.getIqn(), p);
        continue;
      }
      if (existing.containsKey(p)) {
        host.iscsiadm().logout(target.getIqn(), p);
      }
      try (TargetLocks.Held records = locks.nodeRecords("logout from " + target.getIqn())) {
        host.iscsiadm().deleteNode(target.getIqn(), p);
      }
      released.add(p);
    }
    state.saveOwnedSessions(owned.without(released));
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
