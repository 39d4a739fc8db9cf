package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.ScsiSysfs.ScsiDisk;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 2: the SCSI disks of the LUN behind each session, and their WWID. Every new disk is read with scsi_id
 * (retried while udev is busy); all must agree, and equal the pinned WWID when the volume has one. A mismatch
 * stops the stage before anything is mapped, mounted or formatted: it means two different LUNs answer under one
 * name (a misconfigured target, or a portal pointing at another array).
 */
public final class LunIdentity {

  private static final Logger LOG = LoggerFactory.getLogger(LunIdentity.class);

  private final HostTools host;
  private final Timing timing;

  public LunIdentity(HostTools host, Timing timing) {
    this.host = host;
    this.timing = timing;
  }

  /**
   * @param known disks already verified by an earlier stage (sdX to WWID): not read again
   */
  public LunPaths verify(VolumeSpec spec, List<IscsiLogin.PortalPath> portals, Map<String, String> known) {
    int lun = spec.getTarget().getLun();
    Map<IscsiLogin.PortalPath, ScsiDisk> disks = waitForDisks(portals, lun);
    Map<io.ocfs2iscsi.node.tools.Portal, String> down = new LinkedHashMap<>();
    for (IscsiLogin.PortalPath pp : portals) {
      if (!pp.up()) {
        down.put(pp.portal(), IscsiLogin.describe(pp));
      } else if (!disks.containsKey(pp)) {
        down.put(pp.portal(), "no SCSI disk for LUN " + lun + " behind session " + pp.session().sid());
      }
    }
    if (disks.isEmpty()) {
      throw NodeException.notFound(
          "LUN " + lun + " of " + spec.getTarget().getIqn() + " has no SCSI disk behind any session: the target"
              + " has no such LUN, or this initiator may not see it");
    }
    Map<String, String> wwids = new TreeMap<>();
    for (ScsiDisk d : disks.values()) {
      String w = known.get(d.device());
      wwids.put(d.device(), w != null ? w : readWwid(d.device()));
    }
    List<String> distinct = wwids.values().stream().distinct().toList();
    if (distinct.size() > 1) {
      throw NodeException.failedPrecondition(
          "WWID mismatch: the paths of " + spec.getVolumeId() + " report different LUNs " + wwids
              + "; nothing was mapped, mounted or formatted");
    }
    String wwid = distinct.get(0);
    String pinned = spec.getMultipath().getWwid();
    if (!pinned.isEmpty() && !pinned.equals(wwid)) {
      throw NodeException.failedPrecondition(
          "WWID mismatch: volume " + spec.getVolumeId() + " is pinned to WWID " + pinned + " but LUN "
              + spec.getTarget().getLun() + " reports " + wwid + " " + wwids.keySet()
              + "; nothing was mapped, mounted or formatted");
    }
    List<LunPaths.LunPath> paths = new ArrayList<>();
    disks.forEach(
        (pp, d) -> paths.add(new LunPaths.LunPath(pp.portal(), pp.session().sid(), d.hctl(), d.device())));
    return new LunPaths(wwid, paths, down);
  }

  /**
   * The disks that are this volume's LUN now: behind one of {@code sessions} (the target's), at the volume's LUN
   * number, and reporting {@code wwid} when read again now. Names recorded earlier prove nothing: after a reboot or a
   * new login the kernel gives them to whichever disk appears first, of another LUN, another target or a local
   * disk. Empty when the WWID is unknown (a stage that failed before the paths agreed): then no disk is provably the
   * volume's.
   */
  public List<String> currentDisks(VolumeSpec spec, String wwid, Collection<IscsiSession> sessions) {
    List<String> out = new ArrayList<>();
    if (wwid.isEmpty()) {
      return out;
    }
    int lun = spec.getTarget().getLun();
    for (IscsiSession s : sessions) {
      for (ScsiDisk d : host.sysfs().disks(s.sid(), lun)) {
        Optional<String> now = host.scsiId().wwid(d.device());
        if (now.filter(wwid::equals).isPresent()) {
          out.add(d.device());
        } else {
          LOG.warn(
              "{}: /dev/{} (LUN {} behind session {}) reports WWID {}, not the volume's {}: left alone",
              spec.getVolumeId(), d.device(), lun, s.sid(), now.orElse("(none)"), wwid);
        }
      }
    }
    return out;
  }

  /** Waits (bounded) until every logged-in session shows a disk for the LUN; returns what appeared. */
  private Map<IscsiLogin.PortalPath, ScsiDisk> waitForDisks(List<IscsiLogin.PortalPath> portals, int lun) {
    List<IscsiLogin.PortalPath> up = portals.stream().filter(IscsiLogin.PortalPath::up).toList();
    Map<IscsiLogin.PortalPath, ScsiDisk> found = new LinkedHashMap<>();
    boolean rescanned = false;
    for (int attempt = 0; attempt < timing.deviceAttempts(); attempt++) {
      for (IscsiLogin.PortalPath pp : up) {
        if (!found.containsKey(pp)) {
          host.sysfs().disks(pp.session().sid(), lun).stream().findFirst().ifPresent(d -> found.put(pp, d));
        }
      }
      if (found.size() == up.size()) {
        break;
      }
      if (!rescanned && attempt == timing.deviceAttempts() / 2) {
        // A LUN added to the target after the session logged in shows up only after a rescan.
        for (IscsiLogin.PortalPath pp : up) {
          if (!found.containsKey(pp)) {
            host.iscsiadm().rescan(pp.session().sid());
          }
        }
        rescanned = true;
      }
      host.sleeper().sleep(timing.interval());
    }
    return found;
  }

  /** scsi_id prints nothing while udev still handles a new disk: retry, bounded, before calling it a failure. */
  private String readWwid(String device) {
    for (int attempt = 0; attempt < timing.wwidAttempts(); attempt++) {
      Optional<String> w = host.scsiId().wwid(device);
      if (w.isPresent()) {
        if (!ValueRules.matches(ValueRules.WWID, w.get())) {
          throw NodeException.internal(
              "scsi_id printed a WWID for /dev/" + device + " that cannot go into a multipath config: '" + w.get()
                  + "'");
        }
        return w.get();
      }
      host.sleeper().sleep(timing.interval());
    }
    LOG.warn("scsi_id printed no WWID for /dev/{} after {} attempts", device, timing.wwidAttempts());
    throw NodeException.internal(
        "scsi_id printed no WWID for /dev/" + device + " within " + timing.wwidAttempts() * timing.interval().toMillis()
            / 1000 + " s (udev still busy, or the disk is not a SCSI disk with an identifier)");
  }
}
