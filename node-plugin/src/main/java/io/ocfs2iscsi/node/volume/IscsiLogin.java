package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.OwnedSessions;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.DiscoveredPortal;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.IscsiNodeRecords;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionService;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 1: a session on every portal of the volume. Portals that already have a session are left alone (iscsid
 * recovers failed ones itself); for the others: discovery through each of them at once, the node record settings,
 * CHAP in the record file, login. A portal that fails is reported and skipped: the volume is usable with one path,
 * and the path repair retries the rest. Once one portal serves the target, the others' discovery gets
 * {@link Timing#otherPortalsWait()} more: a portal whose link is cut answers nothing, and would otherwise hold the
 * stage for discovery's whole timeout; it is not logged in either (a login's retries would go on in iscsid).
 *
 * <p>The portals it sets out to log in through are recorded as the plugin's ({@link OwnedSessions}) before the
 * first host change; only those sessions are ever logged out again. Callers hold the target's lock
 * ({@link TargetLocks}) around {@link #connect} and {@link #release}.
 */
public final class IscsiLogin {

  private static final Logger LOG = LoggerFactory.getLogger(IscsiLogin.class);
  /** iscsiadm cannot take its lock without this directory; minimal images lack it. */
  static final String LOCK_DIR = "/run/lock/iscsi";
  /** A network interface of the host appears here by its name. */
  static final String NET_CLASS = "/sys/class/net/";
  /** How long a discovery that was given up on may take to end after its interrupt (its process is killed). */
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private final HostTools host;
  private final StateStore state;
  private final TargetLocks locks;
  private final Duration otherPortalsWait;

  public IscsiLogin(HostTools host, StateStore state, TargetLocks locks, Duration otherPortalsWait) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.otherPortalsWait = otherPortalsWait;
  }

  /** The state of one portal after {@link #connect}: its session (null when none) or why it has none. */
  public record PortalPath(Portal portal, IscsiSession session, String problem) {
    public boolean up() {
      return session != null && session.loggedIn();
    }
  }

  /** Discovery through one portal: what it listed (null when it did not answer) or why not. */
  private record Discovery(Portal portal, List<DiscoveredPortal> found, String problem) {
    boolean answered() {
      return found != null;
    }

    boolean offers(String iqn) {
      return found != null && found.stream().anyMatch(d -> d.target().equals(iqn));
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
    List<Portal> reachable = new ArrayList<>();
    for (Portal p : missing) {
      try {
        prepareIface(target, p);
        reachable.add(p);
      } catch (NodeException e) {
        problems.put(p, e.getMessage());
        LOG.warn("portal {} of {}: {}", p, target.getIqn(), e.getMessage());
      }
    }
    Optional<Portal> serving =
        existing.values().stream().filter(IscsiSession::loggedIn).map(IscsiSession::portal).findFirst();
    Map<Portal, Discovery> discoveries =
        reachable.isEmpty() ? Map.of() : discoverAll(target, reachable, chap, serving);
    Map<Portal, DiscoveredPortal> advertised = new LinkedHashMap<>();
    boolean targetSeen = false;
    boolean anyDiscoveryAnswered = false;
    for (Discovery d : discoveries.values()) {
      if (!d.answered()) {
        problems.put(d.portal(), d.problem());
        LOG.warn("portal {} of {}: discovery failed: {}", d.portal(), target.getIqn(), d.problem());
        continue;
      }
      anyDiscoveryAnswered = true;
      for (DiscoveredPortal found : d.found()) {
        if (found.target().equals(target.getIqn())) {
          targetSeen = true;
          advertised.putIfAbsent(found.portal(), found);
        }
      }
    }
    if (anyDiscoveryAnswered && !targetSeen && existing.isEmpty()) {
      throw NodeException.notFound(
          "target " + target.getIqn() + " is not offered by its portals " + target.getPortalsList()
              + " (sendtargets discovery answered without it): wrong IQN, or the target does not exist");
    }
    // Portals that answered their own discovery first; one that did not is tried only while no portal serves.
    List<Portal> order = new ArrayList<>(reachable);
    order.sort(Comparator.comparing(p -> !discoveries.get(p).answered()));
    boolean served = serving.isPresent();
    for (Portal p : order) {
      if (!advertised.containsKey(p)) {
        problems.putIfAbsent(
            p, "the target does not advertise portal " + p + " (discovery listed " + advertised.keySet() + ")");
        continue;
      }
      if (served && !discoveries.get(p).answered()) {
        problems.put(p, problems.get(p) + "; not logged in while another portal serves the target: the path repair"
            + " retries it");
        continue;
      }
      try {
        configureRecord(target, p, chap);
        host.iscsiadm().login(target.getIqn(), p, PortalBindings.ifaceOf(target, p));
        problems.remove(p);
        served = true;
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
   * Discovery through every portal at once, leaving the host's node records as they were plus those of the volume's
   * own portals: records the discoveries added for other targets (or other portals of the target) are deleted again,
   * so that no automatic login at boot reaches them; records that existed before are never touched. The whole
   * discovery holds the node's record lock, so that another call's discovery never deletes a record this one needs.
   */
  private Map<Portal, Discovery> discoverAll(
      IscsiTarget target, List<Portal> portals, ChapCredentials chap, Optional<Portal> serving) {
    try (TargetLocks.Held records = locks.nodeRecords("discovery of " + target.getIqn())) {
      Set<IscsiNodeRecords.NodeRecord> before = host.nodeRecords().all();
      Map<Portal, String> ifaces = new HashMap<>();
      portals.forEach(p -> ifaces.put(p, PortalBindings.ifaceOf(target, p)));
      Map<Portal, Discovery> found = discoverInParallel(target.getIqn(), portals, ifaces, chap, serving);
      Set<Portal> asked = target.getPortalsList().stream().map(Portal::parse).collect(Collectors.toSet());
      Set<IscsiNodeRecords.NodeRecord> removed = new HashSet<>();
      for (Discovery d : found.values()) {
        if (!d.answered()) {
          continue;
        }
        for (DiscoveredPortal listed : d.found()) {
          boolean wanted = listed.target().equals(target.getIqn()) && asked.contains(listed.portal());
          IscsiNodeRecords.NodeRecord record = new IscsiNodeRecords.NodeRecord(listed.target(), listed.portal());
          if (!wanted && !before.contains(record) && removed.add(record)) {
            removeRecord(listed, d.portal());
          } else if (wanted && crossesBinding(target, listed.portal(), ifaces.get(d.portal()))) {
            removeCrossedRecord(target.getIqn(), listed.portal(), ifaces.get(d.portal()));
          }
        }
      }
      return found;
    }
  }

  /**
   * Discovery through every portal at once. Without a serving portal it waits for all of them (each bounded by
   * discovery's own timeout); from the moment one portal serves the target (a session, or an answer listing it),
   * the others get {@link #otherPortalsWait} more, then they are interrupted (the runner kills their processes) and
   * reported as not answering.
   */
  private Map<Portal, Discovery> discoverInParallel(
      String iqn, List<Portal> portals, Map<Portal, String> ifaces, ChapCredentials chap, Optional<Portal> serving) {
    ExecutorService pool = Executors.newFixedThreadPool(portals.size(), r -> {
      Thread t = new Thread(r, "iscsi-discovery");
      t.setDaemon(true);
      return t;
    });
    CompletionService<Discovery> done = new ExecutorCompletionService<>(pool);
    portals.forEach(p -> done.submit(() -> discoverOne(p, chap, ifaces.get(p))));
    Map<Portal, Discovery> found = new LinkedHashMap<>();
    Portal servedBy = serving.orElse(null);
    long deadline = servedBy == null ? Long.MAX_VALUE : System.nanoTime() + otherPortalsWait.toNanos();
    try {
      for (int left = portals.size(); left > 0; left--) {
        Future<Discovery> next =
            servedBy == null ? done.take() : done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (next == null) {
          break;
        }
        Discovery d = next.get();
        found.put(d.portal(), d);
        if (servedBy == null && d.offers(iqn)) {
          servedBy = d.portal();
          deadline = System.nanoTime() + otherPortalsWait.toNanos();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      throw TaskFailures.rethrow(e);
    } finally {
      pool.shutdownNow();
      try {
        pool.awaitTermination(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Map<Portal, Discovery> out = new LinkedHashMap<>();
    for (Portal p : portals) {
      Discovery d = found.get(p);
      out.put(p, d != null ? d : new Discovery(p, null, "no answer to discovery within " + seconds(otherPortalsWait)
          + " s after portal " + servedBy + " served the target"));
    }
    return out;
  }

  private static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? Long.toString(d.toSeconds()) : Double.toString(d.toMillis() / 1000.0);
  }

  private Discovery discoverOne(Portal p, ChapCredentials chap, String iface) {
    try {
      return new Discovery(p, discover(p, chap, iface), null);
    } catch (ToolFailure e) {
      return new Discovery(p, null, e.getMessage());
    }
  }

  private List<DiscoveredPortal> discover(Portal p, ChapCredentials chap, String iface) {
    if (chap.discoverySettings().isEmpty()) {
      return host.iscsiadm().discover(p, iface);
    }
    return discoverWithChap(p, chap, iface);
  }

  private List<DiscoveredPortal> discoverWithChap(Portal p, ChapCredentials chap, String iface) {
    Map<String, String> before = host.nodeRecords().discoveryRecords(p);
    try {
      host.iscsiadm().createDiscoveryRecord(p, iface);
      host.nodeRecords().writeDiscoverySettings(p, chap.discoverySettings());
      return host.iscsiadm().discoverThroughRecord(p, iface);
    } finally {
      host.nodeRecords().restoreDiscoveryRecords(p, before);
    }
  }

  /**
   * True when discovery through {@code iface} listed a portal of the volume that is bound elsewhere: the record it
   * made binds that portal to the wrong network interface.
   */
  private static boolean crossesBinding(IscsiTarget target, Portal listed, String iface) {
    return iface != null && !iface.equals(PortalBindings.ifaceOf(target, listed));
  }

  private void removeCrossedRecord(String iqn, Portal listed, String iface) {
    try {
      host.iscsiadm().deleteNode(iqn, listed, iface);
      LOG.info("removed the node record of {} at {} through iface {}: the portal is bound to another interface",
          iqn, listed, iface);
    } catch (ToolFailure e) {
      LOG.warn("could not remove the node record of {} at {} through iface {}: {}", iqn, listed, iface,
          e.getMessage());
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

  /**
   * The node record of a portal with the volume's settings, created without discovery when there is none (the
   * path repair: a portal that was down when the volume was staged never got one from discovery).
   */
  void prepareRecord(IscsiTarget target, Portal p, ChapCredentials chap) {
    String iface = prepareIface(target, p);
    if (!host.nodeRecords().hasNodeRecord(target.getIqn(), p, iface)) {
      host.files().createDirectories(LOCK_DIR);
      if (iface == null) {
        host.iscsiadm().createNode(target.getIqn(), p);
      } else {
        host.iscsiadm().createNode(target.getIqn(), p, iface);
      }
    }
    configureRecord(target, p, chap);
  }

  /**
   * The iface of a bound portal, created and bound to its network interface (null for a portal that is not bound).
   * A node without that interface gets a clear refusal instead of a session over whatever the routing table picks.
   */
  String prepareIface(IscsiTarget target, Portal p) {
    String netdev = PortalBindings.netdevOf(target, p);
    if (netdev == null) {
      return null;
    }
    if (!ValueRules.matches(ValueRules.INTERFACE_NAME, netdev)) {
      throw NodeException.invalidArgument("target.portal_interfaces[" + p + "]: must be "
          + ValueRules.INTERFACE_NAME_RULE + ", got '" + netdev + "'");
    }
    if (!host.files().exists(NET_CLASS + netdev)) {
      throw NodeException.failedPrecondition("portal " + p + " is bound to network interface " + netdev
          + " (target.portalInterfaces), which this node does not have (no " + NET_CLASS + netdev + "): no session"
          + " through it, rather than one over another network");
    }
    String iface = PortalBindings.ifaceName(netdev);
    try (TargetLocks.Held records = locks.nodeRecords("iface " + iface)) {
      host.files().createDirectories(LOCK_DIR);
      if (!host.nodeRecords().hasIface(iface)) {
        host.iscsiadm().createIface(iface);
      }
      host.iscsiadm().bindIface(iface, netdev);
    }
    return iface;
  }

  private void configureRecord(IscsiTarget target, Portal p, ChapCredentials chap) {
    String iface = PortalBindings.ifaceOf(target, p);
    host.iscsiadm()
        .updateNode(
            target.getIqn(), p, "node.session.timeo.replacement_timeout",
            Integer.toString(target.getReplacementTimeoutSeconds()), iface);
    // The pings decide how soon a path that went silent is noticed at all; 0 leaves iscsid.conf's value.
    if (target.getNoopOutIntervalSeconds() != 0) {
      host.iscsiadm().updateNode(target.getIqn(), p, "node.conn[0].timeo.noop_out_interval",
          Integer.toString(target.getNoopOutIntervalSeconds()), iface);
    }
    if (target.getNoopOutTimeoutSeconds() != 0) {
      host.iscsiadm().updateNode(target.getIqn(), p, "node.conn[0].timeo.noop_out_timeout",
          Integer.toString(target.getNoopOutTimeoutSeconds()), iface);
    }
    host.iscsiadm().updateNode(target.getIqn(), p, "node.startup", target.getStartup(), iface);
    if (!chap.nodeSettings().isEmpty()) {
      host.nodeRecords().writeNodeSettings(target.getIqn(), p, chap.nodeSettings(), iface);
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
      String iface = PortalBindings.ifaceOf(target, p);
      if (existing.containsKey(p)) {
        host.iscsiadm().logout(target.getIqn(), p, iface);
      }
      try (TargetLocks.Held records = locks.nodeRecords("logout from " + target.getIqn())) {
        host.iscsiadm().deleteNode(target.getIqn(), p);
      }
      released.add(p);
    }
    state.saveOwnedSessions(owned.without(released));
    removeUnusedIfaces(target, released);
  }

  /**
   * Deletes the plugin's ifaces of the released portals that no session of the host runs through and no node
   * record is bound to any more (another volume's stage may be between its discovery and its login).
   */
  private void removeUnusedIfaces(IscsiTarget target, List<Portal> released) {
    Set<String> candidates = new java.util.TreeSet<>();
    released.stream().map(p -> PortalBindings.ifaceOf(target, p)).filter(PortalBindings::ours)
        .forEach(candidates::add);
    if (candidates.isEmpty()) {
      return;
    }
    try (TargetLocks.Held records = locks.nodeRecords("iface cleanup of " + target.getIqn())) {
      Set<String> inUse =
          host.iscsiadm().sessions().stream().map(IscsiSession::iface).collect(Collectors.toSet());
      for (String iface : candidates) {
        if (inUse.contains(iface) || host.nodeRecords().anyRecordUses(iface)) {
          LOG.info("iface {} kept: another session or node record uses it", iface);
          continue;
        }
        try {
          host.iscsiadm().deleteIface(iface);
        } catch (ToolFailure e) {
          LOG.warn("could not delete iface {}: {}", iface, e.getMessage());
        }
      }
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
