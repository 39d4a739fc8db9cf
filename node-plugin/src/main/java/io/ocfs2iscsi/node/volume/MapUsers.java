package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.tools.Dmsetup;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountNamespaces;
import java.util.List;
import java.util.Optional;

/**
 * Who still uses a volume's multipath map after this node unmounted it: mounts of the map in any mount namespace
 * of the host (a pod's container keeps its own copy of the mount), and the kernel's open count of the map, which
 * also counts what no mount table shows (a process reading the map, a namespace kept alive without processes).
 * Asked before this node's o2cb heartbeat on the volume is stopped and before the map loses queueing and is
 * flushed: either, under a filesystem that is still mounted, lets the other nodes replay this node's journal while
 * it keeps writing, or turns a path outage into I/O errors.
 */
final class MapUsers {

  private final Dmsetup dmsetup;
  private final MountNamespaces namespaces;

  MapUsers(HostTools host) {
    this.dmsetup = new Dmsetup(host.runner());
    this.namespaces = new MountNamespaces(host.files());
  }

  /** The map as the kernel has it (empty: no such map) and its mounts in every namespace. */
  record Found(String alias, Optional<Dmsetup.Info> map, List<MountNamespaces.Holder> mounts) {

    boolean exists() {
      return map.isPresent();
    }

    boolean mounted() {
      return !mounts.isEmpty();
    }

    /** Used beyond the {@code ownOpens} opens this node accounts for (1 while its heartbeat region runs). */
    boolean usedBeyond(int ownOpens) {
      return mounted() || map.map(i -> i.openCount() > ownOpens).orElse(false);
    }

    /** What holds the map, for an error message: the mounts first (pid, command, mount point), then the count. */
    String describe(int ownOpens) {
      String device = "/dev/mapper/" + alias;
      if (mounted()) {
        List<String> shown = mounts.stream().limit(5).map(MountNamespaces.Holder::toString).toList();
        return device + " is still mounted in another mount namespace: " + String.join(", ", shown)
            + (mounts.size() > shown.size() ? " and " + (mounts.size() - shown.size()) + " more" : "");
      }
      int open = map.map(Dmsetup.Info::openCount).orElse(0);
      String own = ownOpens > 0 ? " (" + ownOpens + " by this node's o2cb heartbeat)" : "";
      return device + " is open " + (open == 1 ? "once" : open + " times") + own + ": a process has it open, or a"
          + " mount namespace without processes (kept by a bind mount of its /proc/PID/ns/mnt) still mounts it";
    }
  }

  Found of(String alias) {
    Optional<Dmsetup.Info> info = dmsetup.info(alias);
    List<MountNamespaces.Holder> mounts =
        info.map(i -> namespaces.mountsOf(i.deviceNumber())).orElse(List.of());
    return new Found(alias, info, mounts);
  }
}
