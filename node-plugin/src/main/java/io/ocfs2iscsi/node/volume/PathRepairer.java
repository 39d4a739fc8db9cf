package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.host.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings back the paths a stage could not log in (a portal that was down): every 30 s, for each staged volume
 * that is not busy, it logs in through portals that have a node record but no session, checks the new disk's
 * WWID against the volume's, and adds it to the map. iscsid itself only recovers sessions that once existed; a
 * first login that failed is never retried by it. A volume's CHAP settings are already in its node records, so no
 * secret is needed here; a portal without a record waits for the next stage.
 */
public final class PathRepairer {

  private static final Logger LOG = LoggerFactory.getLogger(PathRepairer.class);
  static final long PERIOD_SECONDS = 30;

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final LunIdentity identity;
  private ScheduledExecutorService executor;

  public PathRepairer(HostTools host, StateStore state, VolumeLocks locks, Timing timing) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.identity = new LunIdentity(host, timing);
  }

  public synchronized void start() {
    if (executor == null) {
      executor = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "path-repair");
        t.setDaemon(true);
        return t;
      });
      executor.scheduleWithFixedDelay(this::repairAllQuietly, PERIOD_SECONDS, PERIOD_SECONDS, TimeUnit.SECONDS);
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

  /** One round over every staged volume; returns the number of paths brought back. */
  public int repairAll() {
    int repaired = 0;
    for (StagedVolume v : state.volumes()) {
      if (v.phase() != StagedVolume.Phase.STAGED) {
        continue;
      }
      VolumeLocks.Held lock = locks.tryAcquire(v.volumeId());
      if (lock == null) {
        continue;
      }
      try (lock) {
        repaired += repair(v);
      } catch (RuntimeException e) {
        LOG.warn("path repair of {}: {}", v.volumeId(), e.getMessage());
      }
    }
    return repaired;
  }

  private int repair(StagedVolume v) {
    VolumeSpec spec = v.spec();
    String iqn = spec.getTarget().getIqn();
    Map<Portal, IscsiSession> sessions = IscsiLogin.sessionsOf(iqn, host.iscsiadm().sessions());
    List<Portal> loggedIn = new ArrayList<>();
    for (String raw : spec.getTarget().getPortalsList()) {
      Portal p = Portal.parse(raw);
      if (sessions.containsKey(p) || !host.nodeRecords().hasNodeRecord(iqn, p)) {
        continue;
      }
      try {
        host.iscsiadm().login(iqn, p);
        loggedIn.add(p);
        LOG.info("{}: logged in again through {}", v.volumeId(), p);
      } catch (ToolFailure e) {
        LOG.debug("{}: {} still down: {}", v.volumeId(), p, e.getMessage());
      }
    }
    Optional<MultipathMap> map = host.multipath().map(spec.getMultipath().getAlias());
    List<String> inMap = map.map(m -> m.paths().stream().map(x -> x.device()).toList()).orElse(List.of());
    boolean needsPaths = !loggedIn.isEmpty()
        || (map.isPresent() && inMap.size() < sessions.size());
    if (!needsPaths) {
      return 0;
    }
    Map<Portal, IscsiSession> now = IscsiLogin.sessionsOf(iqn, host.iscsiadm().sessions());
    List<IscsiLogin.PortalPath> portals = new ArrayList<>();
    for (String raw : spec.getTarget().getPortalsList()) {
      Portal p = Portal.parse(raw);
      portals.add(new IscsiLogin.PortalPath(p, now.get(p), now.containsKey(p) ? null : "no session"));
    }
    LunPaths lun;
    try {
      lun = identity.verify(spec, portals, v.devices());
    } catch (RuntimeException e) {
      // A new path that leads to another LUN must not join the map: log it out again.
      LOG.error("{}: a path brought back fails the WWID check ({}); logging it out", v.volumeId(), e.getMessage());
      for (Portal p : loggedIn) {
        host.iscsiadm().logout(iqn, p);
      }
      return 0;
    }
    int added = 0;
    for (String dev : lun.devices()) {
      if (!inMap.contains(dev)) {
        host.multipath().addPath(dev);
        added++;
      }
    }
    Map<String, String> devices = new LinkedHashMap<>(v.devices());
    devices.putAll(lun.deviceWwids());
    state.save(v.withLun(lun.wwid(), devices));
    if (added > 0) {
      LOG.info("{}: {} path(s) added back to map {}", v.volumeId(), added, spec.getMultipath().getAlias());
    }
    return added;
  }
}
