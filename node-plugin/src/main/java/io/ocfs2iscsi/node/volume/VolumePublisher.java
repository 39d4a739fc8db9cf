package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountTable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodePublishVolume / NodeUnpublishVolume: bind mounts of the staged filesystem into pods, nosuid,nodev unless the
 * volume asks for suid or dev (see {@link #podMountFlags}). Both idempotent. Both
 * act only below the kubelet directory, and an unpublish unmounts only a mount of the volume's own device at a path
 * other than its staging path: a volume this node does not know, or a mount of something else, is left alone.
 */
public final class VolumePublisher {

  private static final Logger LOG = LoggerFactory.getLogger(VolumePublisher.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final Ocfs2Mounts mounts;
  private final KubeletPaths kubelet;

  public VolumePublisher(HostTools host, StateStore state, VolumeLocks locks, KubeletPaths kubelet) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.mounts = new Ocfs2Mounts(host);
    this.kubelet = kubelet;
  }

  public void publish(Requests.Publish r) {
    Requests.requireVolumeId(r.volumeId());
    if (r.stagingPath() == null || r.stagingPath().isEmpty()) {
      // The CSI spec's own code for this case: the plugin stages (STAGE_UNSTAGE_VOLUME), so NodeStageVolume comes
      // first.
      throw NodeException.failedPrecondition(
          "staging_target_path is not set: this plugin stages volumes, so NodeStageVolume must succeed first");
    }
    Requests.requirePresent("target_path", r.targetPath());
    Requests.requireMountCapability(r.capability());
    kubelet.require("staging_target_path", r.stagingPath());
    kubelet.require("target_path", r.targetPath());
    requireOutsideStaging(r.targetPath(), r.stagingPath(), r.volumeId());
    Requests.requireMountFlags(r.mountFlags());
    try (VolumeLocks.Held lock = locks.acquire(r.volumeId(), "NodePublishVolume")) {
      StagedVolume v =
          state.volume(r.volumeId())
              .orElseThrow(
                  () -> NodeException.notFound("volume " + r.volumeId() + " is not known on this node (never staged)"));
      MountTable table = host.mounter().table();
      if (v.phase() != StagedVolume.Phase.STAGED || !v.stagingPath().equals(r.stagingPath())
          || mounts.mountedAt(table, v.device(), r.stagingPath()).isEmpty()) {
        throw NodeException.failedPrecondition(
            "volume " + r.volumeId() + " is not staged at " + r.stagingPath() + " (NodeStageVolume first)");
      }
      Optional<MountEntry> at = table.at(r.targetPath());
      if (at.isPresent()) {
        if (!mounts.sameDevice(at.get().source(), v.device())) {
          throw NodeException.failedPrecondition(
              "target path " + r.targetPath() + " already has " + at.get().source() + " mounted");
        }
        if (at.get().readOnly() != r.readOnly()) {
          throw new NodeException(
              NodeException.Code.ALREADY_EXISTS,
              "volume " + r.volumeId() + " is already published at " + r.targetPath() + " "
                  + (at.get().readOnly() ? "read-only" : "read-write"));
        }
        state.save(v.withPublish(r.targetPath(), r.readOnly()));
        return;
      }
      host.files().createDirectories(r.targetPath());
      host.mounter().bind(r.stagingPath(), r.targetPath());
      List<String> flags = podMountFlags(v.spec().getFilesystem().getMountOptionsList(), r.mountFlags(), r.readOnly());
      if (!flags.isEmpty()) {
        host.mounter().remountBind(r.targetPath(), flags);
      }
      state.save(v.withPublish(r.targetPath(), r.readOnly()));
      LOG.info("published {} at {}{}", r.volumeId(), r.targetPath(), r.readOnly() ? " (read-only)" : "");
    }
  }

  public void unpublish(Requests.Unpublish r) {
    Requests.requireVolumeId(r.volumeId());
    kubelet.require("target_path", r.targetPath());
    try (VolumeLocks.Held lock = locks.acquire(r.volumeId(), "NodeUnpublishVolume")) {
      Optional<StagedVolume> known = state.volume(r.volumeId());
      Optional<MountEntry> at = host.mounter().table().at(r.targetPath());
      if (known.isEmpty()) {
        if (at.isPresent()) {
          throw NodeException.notFound(
              "volume " + r.volumeId() + " is not known on this node, and what is mounted at " + r.targetPath()
                  + " (" + at.get().source() + ", " + at.get().fsType() + ") was not published by this plugin:"
                  + " left in place");
        }
        return;
      }
      StagedVolume v = known.get();
      requireOutsideStaging(r.targetPath(), v.stagingPath(), r.volumeId());
      if (at.isPresent()) {
        if (!mounts.sameDevice(at.get().source(), v.device())) {
          throw NodeException.failedPrecondition(
              "target path " + r.targetPath() + " has " + at.get().source() + " mounted, not volume "
                  + r.volumeId() + ": left in place");
        }
        host.mounter().unmount(r.targetPath());
        LOG.info("unpublished {} from {}", r.volumeId(), r.targetPath());
      }
      // CSI: the plugin removes the target directory it created; a directory with content is left alone.
      if (host.files().isDirectory(r.targetPath())) {
        try {
          host.files().deleteIfExists(r.targetPath());
        } catch (RuntimeException e) {
          LOG.info("left {} in place: {}", r.targetPath(), e.getMessage());
        }
      }
      state.save(v.withoutPublish(r.targetPath()));
    }
  }

  /**
   * The flags of a pod's bind mount: nosuid and nodev, so that a set-user-ID file or a device node that one pod
   * writes to the shared filesystem (from any node) gives no pod privileges, unless the volume's mount options or
   * the call's mount flags name suid or dev; and ro for a read-only publish.
   */
  static List<String> podMountFlags(List<String> volumeOptions, List<String> callFlags, boolean readOnly) {
    Set<String> asked = new HashSet<>(volumeOptions);
    asked.addAll(callFlags);
    List<String> flags = new ArrayList<>();
    if (!asked.contains("suid")) {
      flags.add("nosuid");
    }
    if (!asked.contains("dev")) {
      flags.add("nodev");
    }
    if (readOnly) {
      flags.add("ro");
    }
    return flags;
  }

  /** A pod mount never lies on or below the staging path: unmounting it there would pull the volume from all pods. */
  private static void requireOutsideStaging(String targetPath, String stagingPath, String volumeId) {
    String t = Requests.normalized(targetPath);
    String s = Requests.normalized(stagingPath);
    if (t.equals(s) || t.startsWith(s + "/")) {
      throw NodeException.invalidArgument(
          "target_path " + targetPath + " is on the staging path of volume " + volumeId + " (" + stagingPath
              + "); a pod's target path lies elsewhere");
    }
  }
}
