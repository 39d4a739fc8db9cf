package io.ocfs2iscsi.node.tools;

import java.util.List;

/** One line of /proc/mounts, with the kernel's octal escapes (\040 for a space) decoded. */
public record MountEntry(String source, String mountPoint, String fsType, List<String> options) {

  public boolean readOnly() {
    return options.contains("ro");
  }
}
