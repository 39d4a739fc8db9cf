package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostTools;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountTable;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** NodePublishVolume / NodeUnpublishVolume: bind mounts of the staged filesystem into pods. Both idempotent. */
public final class VolumePublisher {

  private static final Logger LOG = LoggerFactory.getLogger(VolumePublisher.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final Ocfs2Mounts mounts;

  public VolumePublisher(HostTools host, StateStore state, VolumeLocks locks) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.mounts = new Ocfs2Mounts(host);
  }

  public void publish(Requests.Publish r) {
    Requests.requireVolumeId(r.volumeId());
    Requests.requirePath("staging_target_path", r.stagingPath());
    Requests.requirePath("target_path", r.targetPath());
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
      if (r.readOnly()) {
        host.mounter().remountBindReadOnly(r.targetPath());
      }
      state.save(v.withPublish(r.targetPath(), r.readOnly()));
      LOG.info("published {} at {}{}", r.volumeId(), r.targetPath(), r.readOnly() ? " (read-only)" : "");
    }
  }

  public void unpublish(Requests.Unpublish r) {
    Requests.requireVolumeId(r.volumeId());
    Requests.requirePath("target_path", r.targetPath());
    try (VolumeLocks.Held lock = locks.acquire(r.volumeId(), "NodeUnpublishVolume")) {
      Optional<StagedVolume> v = state.volume(r.volumeId());
      MountTable table = host.mounter().table();
      Optional<MountEntry> at = table.at(r.targetPath());
      if (at.isPresent()) {
        if (v.isPresent() && !mounts.sameDevice(at.get().source(), v.get().device())) {
          throw NodeException.failedPrecondition(
              "target path " + r.targetPath() + " has " + at.get().source() + " mounted, not volume "
                  + r.volumeId());
        }
        host.mounter().unmount(r.targetPath());
        LOG.info("unpublished {} from {}", r.volumeId(), r.targetPath());
      }
      // CSI: the plugin removes the target path it created; a directory with content is left alone.
      try {
        host.files().deleteIfExists(r.targetPath());
      } catch (RuntimeException e) {
        LOG.info("left {} in place: {}", r.targetPath(), e.getMessage());
      }
      v.ifPresent(s -> state.save(s.withoutPublish(r.targetPath())));
    }
  }
}
