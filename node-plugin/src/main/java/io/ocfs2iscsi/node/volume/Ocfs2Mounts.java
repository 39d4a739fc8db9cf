package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.tools.BlkidProbe;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountedOcfs2;
import io.ocfs2iscsi.node.tools.MountTable;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Step 5 and its undo: the OCFS2 filesystem of the map mounted at the staging path, with _netdev (the network
 * must be up before it is mounted at boot and stays up until it is unmounted) and the volume's options. Mounts
 * only a device that already carries OCFS2: formatting is FormatVolume's job alone.
 */
public final class Ocfs2Mounts {

  private final HostTools host;

  public Ocfs2Mounts(HostTools host) {
    this.host = host;
  }

  /** The mount of {@code device} at {@code path}, if that is what is mounted there. */
  public Optional<MountEntry> mountedAt(MountTable table, String device, String path) {
    return table.at(path).filter(e -> sameDevice(e.source(), device));
  }

  /**
   * Mounts unless already mounted; returns the filesystem UUID (empty when it was already mounted and the caller
   * knows it).
   */
  public Optional<String> mount(VolumeSpec spec, String device, String stagingPath, List<String> extraOptions) {
    MountTable table = host.mounter().table();
    Optional<MountEntry> at = table.at(stagingPath);
    if (at.isPresent()) {
      if (sameDevice(at.get().source(), device) && at.get().fsType().equals(CsiDriver.FS_TYPE)) {
        return Optional.empty();
      }
      throw NodeException.failedPrecondition(
          "staging path " + stagingPath + " already has " + at.get().source() + " (" + at.get().fsType()
              + ") mounted");
    }
    BlkidProbe probe = host.blkid().probe(device);
    if (probe.blank()) {
      throw NodeException.failedPrecondition(
          "volume " + spec.getVolumeId() + " is not formatted yet: " + device + " has no filesystem (only"
              + " FormatVolume formats it, which the operator calls once)");
    }
    if (!probe.ocfs2()) {
      throw NodeException.failedPrecondition(
          "volume " + spec.getVolumeId() + ": " + device + " carries " + probe.describe()
              + ", not OCFS2; it is neither mounted nor formatted");
    }
    host.files().createDirectories(stagingPath);
    try {
      host.mounter().mount(device, stagingPath, CsiDriver.FS_TYPE, options(spec, extraOptions));
    } catch (ToolFailure e) {
      throw slotsInUse(spec, device, e).orElseThrow(() -> e);
    }
    return probe.uuid();
  }

  /**
   * A node beyond the filesystem's node slots cannot mount it: the kernel logs "no free slots available!" and
   * mount.ocfs2 only says "Internal logic failure ... error 22". When every slot is taken by a node that mounts the
   * filesystem (mounted.ocfs2 -f reads the slot map from the disk), that is the failure, said in words.
   */
  private Optional<NodeException> slotsInUse(VolumeSpec spec, String device, ToolFailure failure) {
    try {
      int slots = host.tunefs().nodeSlots(device);
      List<String> mounters = host.mountedOcfs2().mounters(device).stream()
          .filter(m -> sameDevice(m.device(), device)).findFirst().map(MountedOcfs2.Mounters::nodes)
          .orElse(List.of());
      if (mounters.size() < slots) {
        return Optional.empty();
      }
      return Optional.of(NodeException.failedPrecondition("volume " + spec.getVolumeId() + ": all " + slots
          + " node slots of the OCFS2 filesystem on " + device + " are in use (mounted on "
          + String.join(", ", mounters) + "), so this node cannot mount it; slots are added with tunefs.ocfs2 -N"
          + " while no node mounts it (the operator does so under spec.filesystem.nodeSlotsPolicy Automatic). "
          + failure.getMessage()));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  public void unmount(String path) {
    host.mounter().unmount(path);
  }

  /** _netdev first, then the volume's options, then the caller's, without duplicates. */
  static List<String> options(VolumeSpec spec, List<String> extra) {
    Set<String> o = new LinkedHashSet<>();
    o.add("_netdev");
    o.addAll(spec.getFilesystem().getMountOptionsList());
    o.addAll(extra);
    return new ArrayList<>(o);
  }

  /** /proc/mounts may show /dev/mapper/x or /dev/dm-N for the same map: compare where they lead. */
  boolean sameDevice(String source, String device) {
    if (source.equals(device)) {
      return true;
    }
    if (!source.startsWith("/dev/")) {
      return false;
    }
    try {
      return host.files().resolve(source).toRealPath().equals(host.files().resolve(device).toRealPath());
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }
}
