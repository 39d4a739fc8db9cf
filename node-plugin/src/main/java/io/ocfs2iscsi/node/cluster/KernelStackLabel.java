package io.ocfs2iscsi.node.cluster;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountEntry;
import java.util.List;
import java.util.Optional;

/**
 * /sys/fs/ocfs2/cluster_stack: the stack the kernel's OCFS2 runs on, o2cb or pcmk (the user stack). One kernel runs
 * one stack at a time: the label can change only while no OCFS2 filesystem is mounted (the kernel answers EBUSY
 * otherwise). mount.ocfs2 writes it for its volume, but mkfs.ocfs2 compares with it and refuses a format for the
 * other stack, and an o2cb mount fails after the user stack left pcmk there: so each stack claims the label when it
 * is applied.
 */
final class KernelStackLabel {

  static final String PATH = "/sys/fs/ocfs2/cluster_stack";

  private final HostTools host;

  KernelStackLabel(HostTools host) {
    this.host = host;
  }

  /**
   * Makes {@code label} the kernel's stack, or refuses while a volume of the other stack is mounted. Does nothing
   * when the OCFS2 modules are not loaded (no label yet: the first mount writes it).
   */
  void claim(String label, String stackName) {
    Optional<String> current = host.files().read(PATH).map(String::strip);
    if (current.isEmpty() || current.get().equals(label)) {
      return;
    }
    List<String> mounted = host.mounter().table().entries().stream()
        .filter(e -> e.fsType().equals("ocfs2")).map(MountEntry::mountPoint).toList();
    if (!mounted.isEmpty()) {
      String other = current.get().equals("o2cb") ? "o2cb" : "user";
      throw NodeException.failedPrecondition(
          "the " + other + " cluster stack is active on this node (" + PATH + " is " + current.get()
              + ") with OCFS2 mounted at " + mounted + "; one kernel runs one cluster stack at a time, so the "
              + stackName + " stack can start only once those are unmounted");
    }
    host.files().writeAttribute(PATH, label);
  }
}
