package io.ocfs2iscsi.node.host;

import java.util.List;

/**
 * Where host commands and host files are reached. {@code DIRECT}: the plugin runs on the host itself (VMs, tests,
 * the e2e guests). {@code NSENTER}: the plugin runs in a privileged pod with hostPID; commands enter PID 1's mount,
 * UTS, IPC and network namespaces so that the host's iscsid, multipathd and config are used (never copies in the
 * container), and host files are reached through /proc/1/root.
 */
public enum HostMode {
  DIRECT(List.of(), "/", "/proc/self/mounts"),
  NSENTER(List.of("nsenter", "-t", "1", "-m", "-u", "-i", "-n", "--"), "/proc/1/root", "/proc/1/mounts");

  private final List<String> commandPrefix;
  private final String filesystemRoot;
  private final String mountTable;

  HostMode(List<String> commandPrefix, String filesystemRoot, String mountTable) {
    this.commandPrefix = commandPrefix;
    this.filesystemRoot = filesystemRoot;
    this.mountTable = mountTable;
  }

  public List<String> commandPrefix() {
    return commandPrefix;
  }

  /** Root under which host paths are found from the plugin's own filesystem view. */
  public String filesystemRoot() {
    return filesystemRoot;
  }

  /**
   * The host's mount table as a host path. In nsenter mode /proc/self would be the container's mount namespace,
   * so PID 1's table is read (its /proc/1/root/proc/1/mounts is the same file).
   */
  public String mountTable() {
    return mountTable;
  }

  public static HostMode parse(String value) {
    return switch (value == null ? "" : value.trim().toLowerCase()) {
      case "direct" -> DIRECT;
      case "nsenter" -> NSENTER;
      default -> throw new IllegalArgumentException("host mode must be direct or nsenter, got '" + value + "'");
    };
  }
}
