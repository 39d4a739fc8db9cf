package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.BlkidProbe;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountTable;
import io.ocfs2iscsi.node.tools.TunefsOcfs2;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SetNodeSlots: adds node slots to the volume's OCFS2 filesystem (tunefs.ocfs2 -N) from a node that does not mount
 * it. tunefs.ocfs2 adds slots only while no node of the cluster mounts the filesystem, so this node attaches the
 * LUN the way FormatVolume does, brings the cluster online for the cluster lock, and lets tunefs.ocfs2 find out
 * whether another node mounts it. Slots are never removed: a slot may still hold a journal that has to be replayed.
 * What this call attached is detached again when the volume is not staged here.
 */
public final class VolumeSlots {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeSlots.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final SecretRedactor redactor;
  private final VolumeAttacher attacher;
  private final ClusterStack cluster;

  public VolumeSlots(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, Timing timing,
      ClusterStack cluster, TargetLocks targets) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.redactor = redactor;
    this.cluster = cluster;
    this.attacher = new VolumeAttacher(host, state, timing, targets);
  }

  /** The slot counts before and after the call (read from the superblock); {@code changed} when tunefs ran. */
  public record Result(int before, int after, boolean changed, String device, long millis, String message) {}

  public Result setNodeSlots(
      VolumeSpec spec, int slots, Map<String, String> secrets, Cancellation cancellation) {
    Requests.requireAgentVolume(spec);
    Requests.requireVolumeId(spec.getVolumeId());
    if (slots < 1 || slots > TunefsOcfs2.MAX_SLOTS) {
      throw NodeException.invalidArgument("node_slots must be between 1 and " + TunefsOcfs2.MAX_SLOTS + " (OCFS2's"
          + " limit), got " + slots);
    }
    try (Cancellation.Bound bound = cancellation.bind();
        VolumeLocks.Held lock = locks.acquire(spec.getVolumeId(), spec.getTarget(), "SetNodeSlots")) {
      return redactor.withSecrets(secrets.values(), () -> setLocked(spec, slots, secrets, cancellation));
    } catch (RuntimeException e) {
      throw cancellation.explain("SetNodeSlots of volume " + spec.getVolumeId(), e);
    }
  }

  private Result setLocked(VolumeSpec spec, int slots, Map<String, String> secrets, Cancellation cancellation) {
    Optional<StagedVolume> staged = state.volume(spec.getVolumeId());
    refuseWhenMountedHere(spec, staged);
    ChapCredentials chap = ChapCredentials.from(secrets, spec.getTarget().getChap());
    return attacher.whileAttached(spec, chap, staged, "SetNodeSlots",
        attached -> setOnDevice(spec, attached.device(), slots, cancellation));
  }

  private Result setOnDevice(VolumeSpec spec, String device, int slots, Cancellation cancellation) {
    BlkidProbe probe = host.blkid().probe(device);
    if (!probe.ocfs2()) {
      throw NodeException.failedPrecondition(device + " of volume " + spec.getVolumeId() + " carries no OCFS2"
          + " filesystem (" + (probe.blank() ? "no signature" : probe.describe()) + "); node slots are set on a"
          + " formatted volume");
    }
    int before = host.tunefs().nodeSlots(device);
    if (slots < before) {
      throw NodeException.invalidArgument("node_slots " + slots + " is below the " + before + " node slots of the"
          + " filesystem on " + device + "; slots can only be added (a slot keeps the journal of the node that"
          + " used it)");
    }
    if (slots == before) {
      return new Result(before, before, false, device, 0, "the filesystem on " + device + " has " + before
          + " node slots already; nothing was changed");
    }
    cluster.ensureOnlineFor(spec.getFilesystem().getClusterName(), spec.getFilesystem().getClusterStack());
    cancellation.throwIfCancelled("SetNodeSlots of volume " + spec.getVolumeId() + " before tunefs.ocfs2");
    long start = System.nanoTime();
    host.tunefs().setNodeSlots(slots, device);
    long millis = (System.nanoTime() - start) / 1_000_000;
    int after = host.tunefs().nodeSlots(device);
    if (after != slots) {
      throw NodeException.internal("tunefs.ocfs2 -N " + slots + " " + device + " succeeded but the filesystem has "
          + after + " node slots");
    }
    LOG.info("{}: node slots of {} raised from {} to {} in {} ms", spec.getVolumeId(), device, before, after,
        millis);
    return new Result(before, after, true, device, millis, "node slots of " + device + " raised from " + before
        + " to " + after + " in " + millis + " ms");
  }

  /** Slots are added from a node that does not mount the volume: tunefs.ocfs2 would refuse anyway. */
  private void refuseWhenMountedHere(VolumeSpec spec, Optional<StagedVolume> staged) {
    MountTable table = host.mounter().table();
    String device = "/dev/mapper/" + spec.getMultipath().getAlias();
    Optional<MountEntry> mount = staged.flatMap(v -> table.at(v.stagingPath()))
        .or(() -> table.ofSource(device).stream().findFirst());
    if (mount.isPresent()) {
      throw NodeException.failedPrecondition("volume " + spec.getVolumeId() + " is mounted on this node ("
          + mount.get().source() + " at " + mount.get().mountPoint() + "); tunefs.ocfs2 adds node slots only"
          + " while no node mounts the filesystem");
    }
  }
}
