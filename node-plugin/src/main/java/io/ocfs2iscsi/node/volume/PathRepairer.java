package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.Iscsiadm;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back the paths of staged volumes whose portal has no session: a portal that was down when the volume was
 * staged, or whose session iscsid gave up. iscsid only recovers sessions that once existed, and kubelet never
 * repeats a NodeStageVolume that succeeded on one path, so without this a node stays single-pathed.
 *
 * <p>Every {@link #PERIOD} each such portal is asked for its targets (a short, record-free SendTargets: a portal
 * whose link is down costs at most that timeout, and no volume is held meanwhile). Once it answers, the volume is
 * taken (only if no call is busy with it and it is still staged: a volume being or already unstaged never gets a
 * login), the portal's node record is made when discovery never made it (with the volume's settings, and the CHAP
 * credentials of the target's other records: kubelet's secrets exist only during its calls), the session is logged
 * in, the new disk's WWID checked, and the disk added to the map. A portal that does not answer is tried again
 * after a delay that doubles up to {@link #MAX_BACKOFF}: never given up, never in a tight loop.
 *
 * <p>A portal whose session iscsid gave up is repaired the same way, after a logout. The kernel shows such a session
 * FREE (its recovery timeout ran out), but so it shows one that iscsid is still logging in again while the portal is
 * unreachable, and iscsid's own retries (every few seconds) are faster than these rounds. So a session is taken for
 * given up only when it has been FREE for {@link #FREE_GRACE} and its portal now offers the target (iscsid would have
 * logged it in within seconds). Then that one session is logged out by its sid and logged in again through the
 * portal's node record, under the volume's and the target's locks, with the same backoff when it fails. Only a
 * session the plugin logged in ({@link io.ocfs2iscsi.node.state.OwnedSessions}) is logged out, and none that still
 * carries a disk of a volume of this node: those are reported in the volume's health and left alone.
 */
public final class PathRepairer {

  private static final Logger LOG = LoggerFactory.getLogger(PathRepairer.class);
  static final Duration PERIOD = Duration.ofSeconds(30);
  static final Duration MAX_BACKOFF = Duration.ofSeconds(120);
  /** How long a session stays FREE, its portal offering the target, before it counts as given up by iscsid. */
  static final Duration FREE_GRACE = Duration.ofSeconds(15);
  private static final List<String> CHAP_KEYS =
      List.of(
          ChapSecretKeys.SESSION_USERNAME, ChapSecretKeys.SESSION_PASSWORD, ChapSecretKeys.SESSION_USERNAME_IN,
          ChapSecretKeys.SESSION_PASSWORD_IN);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final LunIdentity identity;
  private final TargetLocks targets;
  private final IscsiLogin login;
  private final Clock clock;
  private final Map<PortalOfVolume, Failures> failures = new ConcurrentHashMap<>();
  private final Map<PortalOfVolume, FreeSession> free = new ConcurrentHashMap<>();
  private ScheduledExecutorService executor;

  /** A portal of one volume. */
  record PortalOfVolume(String volumeId, Portal portal) {}

  /** Consecutive failed attempts through a portal, and when the next one is due. */
  record Failures(int count, Instant since, Instant next, String last) {}

  /** A portal's session seen FREE since {@code since}; {@code leftAlone} says why it is not logged out (or null). */
  record FreeSession(int sid, Instant since, String leftAlone) {
    FreeSession leftAlone(String why) {
      return new FreeSession(sid, since, why);
    }
  }

  public PathRepairer(HostTools host, StateStore state, VolumeLocks locks, TargetLocks targets, Timing timing) {
    this(host, state, locks, targets, timing, Clock.systemUTC());
  }

  public PathRepairer(
      HostTools host, StateStore state, VolumeLocks locks, TargetLocks targets, Timing timing, Clock clock) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.identity = new LunIdentity(host, timing);
    this.targets = targets;
    this.login = new IscsiLogin(host, state, targets, timing.otherPortalsWait());
    this.clock = clock;
  }

  public synchronized void start() {
    if (executor == null) {
      executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "path-repair");
        t.setDaemon(true);
        return t;
      });
      long period = PERIOD.toSeconds();
      executor.scheduleWithFixedDelay(this::repairAllQuietly, period, period, TimeUnit.SECONDS);
    }
  }

  public synchronized void stop() {
    if (executor != null) {
      executor.shutdownNow();
      executor = null;
    }
  }

  private void repairAllQuietly() {
    try {
      repairAll();
    } catch (RuntimeException e) {
      LOG.warn("path repair: {}", e.getMessage());
    }
  }

  /** One round over every staged volume; returns the number of paths added to maps. */
  public int repairAll() {
    Instant now = clock.instant();
    // Volumes of one target share its portals: each portal is asked once per round.
    Map<Portal, Iscsiadm.Probe> probes = new LinkedHashMap<>();
    int repaired = 0;
    List<String> staged = new ArrayList<>();
    for (StagedVolume v : state.volumes()) {
      if (v.phase() != StagedVolume.Phase.STAGED) {
        continue;
      }
      staged.add(v.volumeId());
      try {
        repaired += repair(v, now, probes);
      } catch (RuntimeException e) {
        LOG.warn("path repair of {}: {}", v.volumeId(), e.getMessage());
      }
    }
    failures.keySet().removeIf(k -> !staged.contains(k.volumeId()));
    free.keySet().removeIf(k -> !staged.contains(k.volumeId()));
    return repaired;
  }

  /** What the repairer says about a portal it waits for, for the volume's health ("" when it waits for none). */
  public String note(String volumeId, Portal portal) {
    PortalOfVolume key = new PortalOfVolume(volumeId, portal);
    Failures f = failures.get(key);
    FreeSession fs = free.get(key);
    List<String> parts = new ArrayList<>();
    if (fs != null) {
      parts.add("FREE since " + fs.since() + "; " + (fs.leftAlone() != null ? "left alone: " + fs.leftAlone()
          : "logged out and in again once it stays FREE " + FREE_GRACE.toSeconds() + " s while its portal offers"
              + " the target (iscsid gave it up)"));
    }
    if (f != null) {
      long next = Math.max(0, Duration.between(clock.instant(), f.next()).toSeconds());
      String last = f.last() == null ? "" : f.last().strip().lines().findFirst().orElse("");
      parts.add(f.count() + (f.count() == 1 ? " attempt" : " attempts") + " since " + f.since() + ", next in " + next
          + " s" + (last.isEmpty() ? "" : "; last: " + abbreviate(last, 200)));
    }
    return parts.isEmpty() ? "" : "path repair: " + String.join("; ", parts);
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "...";
  }

  /** The portals of a volume that the repairer is waiting for, with its attempts. */
  public Map<Portal, Failures> pending(String volumeId) {
    Map<Portal, Failures> out = new LinkedHashMap<>();
    failures.forEach((k, f) -> {
      if (k.volumeId().equals(volumeId)) {
        out.put(k.portal(), f);
      }
    });
    return out;
  }

  private int repair(StagedVolume seen, Instant now, Map<Portal, Iscsiadm.Probe> probes) {
    VolumeSpec spec = seen.spec();
    String iqn = spec.getTarget().getIqn();
    Map<Portal, IscsiSession> sessions = IscsiLogin.sessionsOf(iqn, host.iscsiadm().sessions());
    List<Portal> answering = new ArrayList<>();
    for (String raw : spec.getTarget().getPortalsList()) {
      Portal p = Portal.parse(raw);
      PortalOfVolume key = new PortalOfVolume(seen.volumeId(), p);
      IscsiSession session = sessions.get(p);
      if (session == null) {
        free.remove(key);
      } else if (!session.free()) {
        failures.remove(key);
        free.remove(key);
        continue;
      } else if (!givenUp(seen, session, now)) {
        continue;
      }
      Failures f = failures.get(key);
      if (f != null && now.isBefore(f.next())) {
        continue;
      }
      // Without the volume: a portal whose link is down holds nothing while this waits for it.
      String iface;
      try {
        iface = login.prepareIface(spec.getTarget(), p);
      } catch (NodeException e) {
        failed(key, now, e.getMessage());
        continue;
      }
      // A bound portal is probed through its NIC: that it answers over another network says nothing.
      Iscsiadm.Probe probe = probes.computeIfAbsent(p, q -> host.iscsiadm().probe(q, iface));
      if (!probe.answered()) {
        failed(key, now, probe.problem());
      } else if (!probe.offered().isEmpty() && probe.offered().stream().noneMatch(d -> d.target().equals(iqn))) {
        failed(key, now, "portal " + p + " answers but does not offer target " + iqn);
      } else {
        answering.add(p);
      }
    }
    // multipathd's view: multipath -ll would wait on a disk whose session is recovering.
    Optional<MultipathMap> map = host.multipath().mapAsDaemonSees(spec.getMultipath().getAlias());
    boolean mapLacksPaths = map.isPresent() && map.get().paths().size() < sessions.size();
    if (answering.isEmpty() && !mapLacksPaths) {
      return 0;
    }
    VolumeLocks.Held lock = locks.tryAcquire(seen.volumeId());
    if (lock == null) {
      // A call is busy with the volume (a stage, an unstage, a format): the next round looks again.
      return 0;
    }
    try (lock) {
      Optional<StagedVolume> current = state.volume(seen.volumeId());
      if (current.isEmpty() || current.get().phase() != StagedVolume.Phase.STAGED) {
        LOG.info("{}: unstaged while its paths were checked; nothing is logged in", seen.volumeId());
        return 0;
      }
      return repairHeld(current.get(), answering, now);
    }
  }

  private int repairHeld(StagedVolume v, List<Portal> answering, Instant now) {
    VolumeSpec spec = v.spec();
    IscsiTarget target = spec.getTarget();
    String iqn = target.getIqn();
    String alias = spec.getMultipath().getAlias();
    Set<String> inMapBefore = pathsOf(alias);
    // Logins of a target are decided under its lock, as stage and unstage decide theirs.
    try (TargetLocks.Held held = targets.acquire(iqn, "path repair of " + v.volumeId())) {
      return repairTargetHeld(v, answering, inMapBefore, now);
    } catch (NodeException e) {
      LOG.info("{}: path repair waits for the next round: {}", v.volumeId(), e.getMessage());
      return 0;
    }
  }

  private int repairTargetHeld(StagedVolume v, List<Portal> answering, Set<String> inMapBefore, Instant now) {
    VolumeSpec spec = v.spec();
    IscsiTarget target = spec.getTarget();
    String iqn = target.getIqn();
    String alias = spec.getMultipath().getAlias();
    Map<Portal, IscsiSession> sessions = IscsiLogin.sessionsOf(iqn, host.iscsiadm().sessions());
    List<Portal> loggedIn = new ArrayList<>();
    for (Portal p : answering) {
      PortalOfVolume key = new PortalOfVolume(v.volumeId(), p);
      IscsiSession existing = sessions.get(p);
      if (existing != null && !(existing.free() && givenUp(v, existing, now) && logOutGivenUp(v, existing, now))) {
        continue;
      }
      Optional<ChapCredentials> chap = credentials(target, p, sessions.keySet());
      if (chap.isEmpty()) {
        failed(key, now, "the volume uses CHAP and no node record of " + iqn + " holds its credentials; the path"
            + " waits for the next NodeStageVolume");
        continue;
      }
      try {
        login.prepareRecord(target, p, chap.get());
        host.iscsiadm().login(iqn, p, PortalBindings.ifaceOf(target, p));
        loggedIn.add(p);
      } catch (ToolFailure e) {
        failed(key, now, e.getMessage());
      }
    }
    Map<Portal, IscsiSession> after = IscsiLogin.sessionsOf(iqn, host.iscsiadm().sessions());
    List<IscsiLogin.PortalPath> portals = new ArrayList<>();
    for (String raw : target.getPortalsList()) {
      Portal p = Portal.parse(raw);
      portals.add(new IscsiLogin.PortalPath(p, after.get(p), after.containsKey(p) ? null : "no session"));
    }
    LunPaths lun;
    try {
      lun = identity.verify(spec, portals, v.devices());
    } catch (RuntimeException e) {
      // A new path that leads to another LUN must not join the map: log it out again.
      LOG.error("{}: a path brought back fails the WWID check ({}); logging it out", v.volumeId(), e.getMessage());
      for (Portal p : loggedIn) {
        host.iscsiadm().logout(iqn, p, PortalBindings.ifaceOf(target, p));
        failed(new PortalOfVolume(v.volumeId(), p), now, "WWID check failed: " + e.getMessage());
      }
      return 0;
    }
    Map<String, String> devices = new LinkedHashMap<>(v.devices());
    devices.putAll(lun.deviceWwids());
    state.save(v.withLun(lun.wwid(), devices));
    addToMap(alias, lun.devices());
    Set<String> inMap = pathsOf(alias);
    List<String> added = lun.devices().stream().filter(d -> inMap.contains(d) && !inMapBefore.contains(d)).toList();
    for (Portal p : loggedIn) {
      Failures f = failures.remove(new PortalOfVolume(v.volumeId(), p));
      LOG.info("{}: path through {} is back{}", v.volumeId(), p,
          f == null ? "" : " (down since " + f.since() + ", " + (f.count() + 1) + " attempts)");
    }
    if (!added.isEmpty()) {
      LOG.info("{}: {} now in map {}", v.volumeId(), added, alias);
    }
    return added.size();
  }

  /**
   * Whether a FREE session of the volume's portal counts as given up now: FREE for {@link #FREE_GRACE} (the same
   * session: a new login has another sid) and logged in by the plugin. Keeps the time it was first seen and, for the
   * health, why it is left alone.
   */
  private boolean givenUp(StagedVolume v, IscsiSession s, Instant now) {
    PortalOfVolume key = new PortalOfVolume(v.volumeId(), s.portal());
    FreeSession seen = free.get(key);
    if (seen == null || seen.sid() != s.sid()) {
      seen = new FreeSession(s.sid(), now, null);
      LOG.warn("{}: session {} through {} is FREE (its recovery timeout ran out); if it stays so for {} s while its"
          + " portal offers the target, it is logged out and in again", v.volumeId(), s.sid(), s.portal(),
          FREE_GRACE.toSeconds());
    }
    String iqn = v.spec().getTarget().getIqn();
    boolean owned = state.ownedSessions(iqn).portals().contains(s.portal());
    seen = seen.leftAlone(owned ? null : "this plugin did not log it in (it existed before): log it out and in again"
        + " by hand (iscsiadm -m session -r " + s.sid() + " -u, then a login through its node record)");
    free.put(key, seen);
    return owned && Duration.between(seen.since(), now).compareTo(FREE_GRACE) >= 0;
  }

  /**
   * Logs out a session iscsid gave up, by its sid, unless it still carries a disk of a volume of this node (staged,
   * or attached by a call in progress; this volume's own included): a session iscsid gave up has none, and one that
   * iscsid is still logging in again keeps them. Called under the volume's and the target's locks. False when the
   * session stays.
   */
  private boolean logOutGivenUp(StagedVolume v, IscsiSession s, Instant now) {
    PortalOfVolume key = new PortalOfVolume(v.volumeId(), s.portal());
    String iqn = v.spec().getTarget().getIqn();
    List<VolumeSpec> users = new ArrayList<>();
    state.volumes().stream().map(StagedVolume::spec).filter(o -> o.getTarget().getIqn().equals(iqn))
        .forEach(users::add);
    users.addAll(targets.attaching(iqn));
    for (VolumeSpec user : users) {
      if (!host.sysfs().disks(s.sid(), user.getTarget().getLun()).isEmpty()) {
        free.computeIfPresent(key, (k, f) -> f.leftAlone("it still carries a disk of volume " + user.getVolumeId()
            + " (a session iscsid gave up has none)"));
        LOG.warn("{}: session {} through {} is FREE, but it still carries a disk of volume {}: left alone",
            v.volumeId(), s.sid(), s.portal(), user.getVolumeId());
        return false;
      }
    }
    FreeSession seen = free.get(key);
    LOG.warn("{}: session {} through {} FREE since {} while its portal offers the target: iscsid gave it up; logging"
        + " it out and in again", v.volumeId(), s.sid(), s.portal(), seen == null ? now : seen.since());
    try {
      host.iscsiadm().logoutSession(s.sid());
    } catch (ToolFailure e) {
      failed(key, now, e.getMessage());
      return false;
    }
    free.remove(key);
    return true;
  }

  /**
   * Makes sure multipathd has every disk of the LUN in the map: udev usually adds a new path by itself, {@code
   * multipathd add path} the ones it did not, a reconfigure what even that left out.
   */
  private void addToMap(String alias, List<String> disks) {
    Set<String> before = pathsOf(alias);
    List<String> missing = disks.stream().filter(d -> !before.contains(d)).toList();
    if (missing.isEmpty()) {
      return;
    }
    for (String d : missing) {
      try {
        host.multipath().addPath(d);
      } catch (ToolFailure e) {
        LOG.info("{}: {}", alias, e.getMessage());
      }
    }
    Set<String> after = pathsOf(alias);
    if (!after.containsAll(missing)) {
      host.multipath().reconfigure();
      after = pathsOf(alias);
    }
    Set<String> in = after;
    List<String> left = missing.stream().filter(d -> !in.contains(d)).toList();
    if (!left.isEmpty()) {
      LOG.warn("{}: multipathd did not take {} into the map yet; the next round tries again", alias, left);
    }
  }

  private Set<String> pathsOf(String alias) {
    return host.multipath().mapAsDaemonSees(alias).map(m -> m.paths().stream().map(MultipathPath::device)
        .collect(java.util.stream.Collectors.toSet())).orElse(Set.of());
  }

  /**
   * CHAP for a portal's record: the credentials in the records of the target's portals that have a session (they
   * logged in with them), else in the portal's own record. Empty when the volume expects CHAP and none holds them.
   */
  private Optional<ChapCredentials> credentials(IscsiTarget target, Portal p, Set<Portal> withSession) {
    List<Portal> sources = new ArrayList<>(withSession);
    sources.add(p);
    for (Portal source : sources) {
      Map<String, String> found = host.nodeRecords().readSettings(target.getIqn(), source, CHAP_KEYS);
      if (found.containsKey(ChapSecretKeys.SESSION_USERNAME) && found.containsKey(ChapSecretKeys.SESSION_PASSWORD)) {
        return Optional.of(ChapCredentials.from(found, target.getChap()));
      }
    }
    return target.getChap() ? Optional.empty() : Optional.of(ChapCredentials.NONE);
  }

  /** Records a failed attempt; the next one waits PERIOD, then twice as long each time, up to MAX_BACKOFF. */
  private void failed(PortalOfVolume key, Instant now, String why) {
    Failures before = failures.get(key);
    int count = before == null ? 1 : before.count() + 1;
    Duration wait = PERIOD.multipliedBy(1L << Math.min(count - 1, 16));
    if (wait.compareTo(MAX_BACKOFF) > 0) {
      wait = MAX_BACKOFF;
    }
    failures.put(key, new Failures(count, before == null ? now : before.since(), now.plus(wait), why));
    if (before == null) {
      LOG.warn("{}: path through {} is down ({}); retrying, at most every {} s", key.volumeId(), key.portal(), why,
          MAX_BACKOFF.toSeconds());
    } else {
      LOG.debug("{}: path through {} still down after {} attempts: {}", key.volumeId(), key.portal(), count, why);
    }
  }
}
