package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.Multipath;
import io.ocfs2iscsi.node.tools.MultipathConfig;
import io.ocfs2iscsi.node.tools.ReservationKey;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 3: the multipath map /dev/mapper/&lt;alias&gt; over the LUN's paths. Writes the volume's drop-in and the
 * host-wide one (only when their bytes change), registers the WWID for find_multipaths strict, asks multipathd to
 * reconfigure when something changed or the map lacks paths, adds late paths one by one, and waits (bounded) for
 * the map. The filesystem is only ever mounted from this map, never from a bare /dev/sdX.
 */
public final class MultipathMapper {

  private static final Logger LOG = LoggerFactory.getLogger(MultipathMapper.class);

  private final HostTools host;
  private final Timing timing;
  private final MapUsers mapUsers;
  private final java.util.concurrent.ConcurrentHashMap<String, String> localDiskWwids =
      new java.util.concurrent.ConcurrentHashMap<>();

  public MultipathMapper(HostTools host, Timing timing) {
    this.host = host;
    this.timing = timing;
    this.mapUsers = new MapUsers(host);
  }

  /**
   * @param otherVolumes specs of the other volumes staged on this node (the host-wide polling interval is the
   *     smallest of all)
   */
  public MultipathMap assemble(VolumeSpec spec, LunPaths lun, List<VolumeSpec> otherVolumes) {
    return assemble(spec, lun, otherVolumes, null);
  }

  /** {@code reservationKey}: this node's key when the volume is fenced with persistent reservations, else null. */
  public MultipathMap assemble(
      VolumeSpec spec, LunPaths lun, List<VolumeSpec> otherVolumes, ReservationKey reservationKey) {
    MultipathSettings mp = spec.getMultipath();
    String alias = mp.getAlias();
    Optional<MultipathMap> before = host.multipath().map(alias);
    if (before.isPresent() && !before.get().wwid().equals(lun.wwid())) {
      throw NodeException.failedPrecondition(
          "multipath alias " + alias + " is already used by another LUN (WWID " + before.get().wwid()
              + ", this volume's LUN is " + lun.wwid() + "); nothing was mounted");
    }
    boolean changed = writeDropIns(spec, lun, otherVolumes, reservationKey);
    changed |= registerWwid(lun);
    if (before.isPresent() && !changed && containsAll(before.get(), lun.devices()) && mapNodeExists(alias)) {
      return before.get();
    }
    host.multipath().reconfigure();
    Set<String> added = new HashSet<>();
    MultipathMap map = null;
    for (int attempt = 0; attempt < timing.mapAttempts(); attempt++) {
      map = host.multipath().map(alias).orElse(null);
      if (map != null && containsAll(map, lun.devices()) && mapNodeExists(alias)) {
        return map;
      }
      if (attempt >= 2) {
        // multipathd built the map before every path existed: add the late ones explicitly.
        for (String dev : lun.devices()) {
          if ((map == null || !has(map, dev)) && added.add(dev)) {
            try {
              host.multipath().addPath(dev);
            } catch (RuntimeException e) {
              LOG.info("multipathd add path {}: {}", dev, e.getMessage());
            }
          }
        }
      }
      host.sleeper().sleep(timing.interval());
    }
    if (map == null || !mapNodeExists(alias)) {
      throw NodeException.internal(
          "multipath map /dev/mapper/" + alias + " did not appear within "
              + timing.mapAttempts() * timing.interval().toMillis() / 1000 + " s (paths " + lun.devices()
              + ", WWID " + lun.wwid() + "): check multipathd's log and the blacklist");
    }
    LOG.warn(
        "map {} has {} of {} paths ({}); continuing, the missing ones are reported as down",
        alias, map.paths().size(), lun.devices().size(), map.paths().stream().map(MultipathPath::device).toList());
    return map;
  }

  /**
   * Removes the map (queueing off first, so that a flush cannot hang on I/O queued for paths that are gone). A map
   * that is still open or mounted anywhere keeps both: FAILED_PRECONDITION, naming who holds it.
   */
  public void dismantle(String alias) {
    MapUsers.Found users = mapUsers.of(alias);
    // An open without a mount is often brief (udev's blkid reads a map right after mkfs or a path change): wait for
    // it, bounded. A mount in any namespace is never waited for: it is a user until it is released.
    for (int i = 1; users.exists() && !users.mounted() && users.usedBeyond(0) && i < timing.unmountedAttempts(); i++) {
      host.sleeper().sleep(timing.interval());
      users = mapUsers.of(alias);
    }
    if (users.exists()) {
      if (users.usedBeyond(0)) {
        throw NodeException.failedPrecondition(
            "multipath map " + alias + " is still in use: " + users.describe(0) + "; queueing stays on and the map"
                + " stays until it is released");
      }
      host.multipath().disableQueueing(alias);
      flushUnused(alias);
    }
    host.files().deleteIfExists(MultipathConfig.volumeFile(alias));
  }

  /**
   * The flush itself can meet an open that began after the check above (udev's blkid after mkfs or a path event):
   * multipath then answers "map in use". Such an open is brief, so the flush is tried again, bounded, as long as
   * nothing holds the map beyond that moment; a real user stops it at once.
   */
  private void flushUnused(String alias) {
    for (int attempt = 1; ; attempt++) {
      try {
        host.multipath().flush(alias);
        return;
      } catch (ToolFailure e) {
        MapUsers.Found users = mapUsers.of(alias);
        if (!users.exists()) {
          return;
        }
        if (users.mounted() || attempt >= timing.unmountedAttempts()) {
          throw e;
        }
        LOG.info("flushing map {} met a brief open ({}); trying again", alias, e.getMessage());
        host.sleeper().sleep(timing.interval());
      }
    }
  }

  private boolean writeDropIns(
      VolumeSpec spec, LunPaths lun, List<VolumeSpec> others, ReservationKey reservationKey) {
    MultipathSettings mp = spec.getMultipath();
    String first = lun.devices().get(0);
    String volumeFile =
        MultipathConfig.renderVolume(
            new MultipathConfig.VolumeEntry(
                spec.getVolumeId(), mp.getAlias(), lun.wwid(), host.sysfs().vendor(first).orElse(null),
                host.sysfs().model(first).orElse(null), mp.getPathGroupingPolicy(), mp.getPathSelector(),
                mp.getPathChecker(), mp.getFailback(), mp.getNoPathRetry(),
                spec.getTarget().getReplacementTimeoutSeconds(), reservationKey));
    int polling = mp.getPollingIntervalSeconds();
    for (VolumeSpec o : others) {
      polling = Math.min(polling, o.getMultipath().getPollingIntervalSeconds());
    }
    List<String> localWwids = new ArrayList<>();
    for (String disk : host.sysfs().localScsiDisks()) {
      // Local disks do not change while the plugin runs: each is read once.
      String w = localDiskWwids.computeIfAbsent(disk, d -> host.scsiId().wwid(d).orElse(""));
      if (ValueRules.matches(ValueRules.WWID, w)) {
        localWwids.add(w);
      }
    }
    String hostFile = MultipathConfig.renderHost(polling, localWwids);
    boolean changed = writeIfChanged(MultipathConfig.volumeFile(mp.getAlias()), volumeFile);
    changed |= writeIfChanged(MultipathConfig.HOST_FILE, hostFile);
    return changed;
  }

  private boolean writeIfChanged(String path, String content) {
    if (host.files().read(path).filter(content::equals).isPresent()) {
      return false;
    }
    host.files().writeAtomically(path, content, false);
    LOG.info("wrote {}", path);
    return true;
  }

  private boolean registerWwid(LunPaths lun) {
    boolean listed = host.files().read(Multipath.WWIDS_FILE).filter(f -> Multipath.wwidsFileLists(f, lun.wwid()))
        .isPresent();
    if (listed) {
      return false;
    }
    host.multipath().addWwid(lun.devices().get(0));
    return true;
  }

  private boolean mapNodeExists(String alias) {
    return host.files().exists("/dev/mapper/" + alias);
  }

  private static boolean containsAll(MultipathMap map, List<String> devices) {
    return devices.stream().allMatch(d -> has(map, d));
  }

  private static boolean has(MultipathMap map, String device) {
    return map.paths().stream().anyMatch(p -> p.device().equals(device));
  }
}
