package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.HostFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Mounts of a block device in every mount namespace of the host, read from /proc/PID/mountinfo of every process
 * (through the host's /proc: /proc/1/root/proc in nsenter mode). An unmount in the host's namespace only removes
 * the mount there: a pod whose container was given a bind mount of the volume keeps its own copy, and the
 * filesystem stays mounted (and this node keeps writing to it) until that namespace goes away.
 */
public final class MountNamespaces {

  private final HostFiles files;

  public MountNamespaces(HostFiles files) {
    this.files = files;
  }

  /** A mount of the device in the mount namespace of process {@code pid} ({@code command}: its comm). */
  public record Holder(int pid, String command, String mountPoint) {
    @Override
    public String toString() {
      return "pid " + pid + " (" + command + ") at " + mountPoint;
    }
  }

  /** One line of /proc/PID/mountinfo: the device number, the mount point, the type and the source. */
  public record Line(String deviceNumber, String root, String mountPoint, String fsType, String source) {}

  /**
   * Mounts of device {@code deviceNumber} (major:minor) in any namespace, one per namespace and mount point (the
   * first process found names the namespace). Processes that exit while they are read are skipped.
   */
  public List<Holder> mountsOf(String deviceNumber) {
    List<Holder> out = new ArrayList<>();
    Set<String> namespacesRead = new HashSet<>();
    for (String name : files.list("/proc")) {
      if (!name.chars().allMatch(Character::isDigit)) {
        continue;
      }
      Optional<String> namespace = namespaceOf(name);
      if (namespace.isPresent() && !namespacesRead.add(namespace.get())) {
        continue;
      }
      Optional<String> mountinfo = readQuietly("/proc/" + name + "/mountinfo");
      if (mountinfo.isEmpty()) {
        continue;
      }
      List<Line> lines = parse(mountinfo.get()).stream().filter(l -> l.deviceNumber().equals(deviceNumber)).toList();
      if (lines.isEmpty()) {
        continue;
      }
      String command = readQuietly("/proc/" + name + "/comm").map(String::strip).orElse("?");
      lines.stream().map(Line::mountPoint).distinct()
          .forEach(m -> out.add(new Holder(Integer.parseInt(name), command, m)));
    }
    return out;
  }

  /** The mount namespace of a process as its /proc/PID/ns/mnt link names it ("mnt:[4026531841]"). */
  private Optional<String> namespaceOf(String pid) {
    try {
      return Optional.of(Files.readSymbolicLink(files.resolve("/proc/" + pid + "/ns/mnt")).toString());
    } catch (IOException | UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  private Optional<String> readQuietly(String path) {
    try {
      return files.read(path);
    } catch (UncheckedIOException e) {
      // The process exited between listing /proc and reading its files.
      return Optional.empty();
    }
  }

  /**
   * Parses /proc/PID/mountinfo: {@code ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - TYPE SOURCE
   * SUPEROPTIONS} (proc(5)); paths keep the kernel's octal escapes decoded. Malformed lines are skipped.
   */
  public static List<Line> parse(String mountinfo) {
    List<Line> out = new ArrayList<>();
    for (String raw : mountinfo.split("\n")) {
      String[] f = raw.strip().split(" ");
      int dash = List.of(f).indexOf("-");
      if (f.length < 6 || dash < 6 || dash + 2 >= f.length || !f[2].matches("\\d+:\\d+")) {
        continue;
      }
      out.add(new Line(f[2], MountTable.unescape(f[3]), MountTable.unescape(f[4]), f[dash + 1],
          MountTable.unescape(f[dash + 2])));
    }
    return out;
  }
}
