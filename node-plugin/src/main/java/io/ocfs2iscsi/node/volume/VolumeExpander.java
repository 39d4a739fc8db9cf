package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.tools.Portal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ExpandVolume: after the SAN grew the LUN, brings this node's view up to the new size without unmounting: every
 * session of the target is rescanned (the SCSI disks read the new capacity), the multipath map is resized once all
 * of its paths agree, and on request the mounted OCFS2 filesystem is grown to the map (tunefs.ocfs2 -S, online).
 * A node that does not stage the volume does nothing: it reads the new size when it logs in.
 */
public final class VolumeExpander {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeExpander.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final Ocfs2Mounts mounts;

  public VolumeExpander(HostTools host, StateStore state, VolumeLocks locks) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.mounts = new Ocfs2Mounts(host);
  }

  /** Sizes in bytes after the call; zeros when the volume is not staged here. */
  public record Result(
      boolean staged, Map<String, Long> pathBytes, long mapBytes, long filesystemBytes, boolean grown,
      String message) {}

  public Result expand(VolumeSpec spec, boolean growFilesystem, Cancellation cancellation) {
    Requests.requireAgentVolume(spec);
    Requests.requireVolumeId(spec.getVolumeId());
    try (Cancellation.Bound bound = cancellation.bind();
        VolumeLocks.Held lock = locks.acquire(spec.getVolumeId(), spec.getTarget(), "ExpandVolume")) {
      return expandLocked(spec, growFilesystem, cancellation);
    } catch (RuntimeException e) {
      throw cancellation.explain("ExpandVolume of volume " + spec.getVolumeId(), e);
    }
  }

  private Result expandLocked(VolumeSpec spec, boolean growFilesystem, Cancellation cancellation) {
    Optional<StagedVolume> record =
        state.volume(spec.getVolumeId()).filter(v -> v.phase() == StagedVolume.Phase.STAGED);
    if (record.isEmpty()) {
      if (growFilesystem) {
        throw NodeException.failedPrecondition("volume " + spec.getVolumeId() + " is not staged on this node;"
            + " the filesystem is grown on a node that mounts it");
      }
      return new Result(false, Map.of(), 0, 0, false, "volume " + spec.getVolumeId() + " is not staged on this"
          + " node; nothing to rescan");
    }
    StagedVolume v = record.get();
    // What this node staged (target, portals, map) is what it rescans and resizes.
    VolumeSpec staged = v.spec();
    String alias = staged.getMultipath().getAlias();
    Map<Portal, IscsiSession> sessions =
        IscsiLogin.sessionsOf(staged.getTarget().getIqn(), host.iscsiadm().sessions());
    for (String raw : staged.getTarget().getPortalsList()) {
      IscsiSession s = sessions.get(Portal.parse(raw));
      if (s != null && s.loggedIn()) {
        cancellation.throwIfCancelled("ExpandVolume of volume " + spec.getVolumeId());
        host.iscsiadm().rescan(s.sid());
      }
    }
    MultipathMap map = host.multipath().map(alias).orElseThrow(() -> NodeException.unavailable(
        "volume " + spec.getVolumeId() + " is staged but multipath does not list map " + alias));
    Map<String, Long> pathBytes = new LinkedHashMap<>();
    for (MultipathPath p : map.paths()) {
      pathBytes.put(p.device(), host.sysfs().sizeBytes(p.device()).orElse(0L));
    }
    long mapBytes = mapBytes(map);
    long largest = pathBytes.values().stream().mapToLong(Long::longValue).max().orElse(0);
    if (largest > mapBytes) {
      if (pathBytes.values().stream().distinct().count() > 1) {
        throw NodeException.unavailable("the paths of map " + alias + " disagree on the LUN's size after the"
            + " rescan (" + describe(pathBytes) + "); the map keeps " + mapBytes + " bytes until every path shows"
            + " the new size");
      }
      cancellation.throwIfCancelled("ExpandVolume of volume " + spec.getVolumeId());
      host.multipath().resizeMap(alias);
      mapBytes = mapBytes(map);
      LOG.info("{}: map {} resized to {} bytes ({})", spec.getVolumeId(), alias, mapBytes, describe(pathBytes));
    }
    Optional<MountEntry> mounted = mounts.mountedAt(host.mounter().table(), v.device(), v.stagingPath());
    boolean grown = false;
    if (growFilesystem) {
      if (mounted.isEmpty()) {
        throw NodeException.failedPrecondition("volume " + spec.getVolumeId() + " is not mounted at "
            + v.stagingPath() + " on this node; the filesystem is grown online on a node that mounts it");
      }
      cancellation.throwIfCancelled("ExpandVolume of volume " + spec.getVolumeId() + " before tunefs.ocfs2");
      host.tunefs().growToDevice(v.device());
      grown = true;
    }
    long fsBytes = mounted.isPresent() ? host.statfs().usage(v.stagingPath()).totalBytes() : 0;
    if (grown) {
      LOG.info("{}: filesystem on {} grown online to {} bytes (map {} bytes)", spec.getVolumeId(), v.device(),
          fsBytes, mapBytes);
    }
    return new Result(true, pathBytes, mapBytes, fsBytes, grown, "map " + alias + " " + mapBytes + " bytes ("
        + describe(pathBytes) + ")" + (mounted.isPresent() ? ", filesystem " + fsBytes + " bytes" : "")
        + (grown ? ", grown by this node" : ""));
  }

  private long mapBytes(MultipathMap map) {
    return host.sysfs().sizeBytes(map.dmDevice()).orElseThrow(() -> NodeException.unavailable(
        "no size in sysfs for " + map.dmDevice() + " (map " + map.name() + ")"));
  }

  private static String describe(Map<String, Long> bytes) {
    return bytes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " bytes")
        .collect(Collectors.joining(", "));
  }
}
