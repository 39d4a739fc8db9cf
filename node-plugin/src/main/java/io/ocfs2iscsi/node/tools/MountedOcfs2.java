package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ocfs2-tools' mounted.ocfs2: {@code -d} detects OCFS2 volumes (UUID, label, cluster), {@code -f} lists the nodes
 * that have one mounted (read from the on-disk slot map and heartbeat). Both print a fixed-width table whose
 * columns differ between versions, so rows are cut at the header's column positions.
 */
public final class MountedOcfs2 {

  public static final String PROGRAM = "mounted.ocfs2";

  private final CommandRunner runner;

  public MountedOcfs2(CommandRunner runner) {
    this.runner = runner;
  }

  /** One OCFS2 volume as {@code -d} shows it. */
  public record Detected(String device, String uuid, String label, String cluster) {}

  /** One device as {@code -f} shows it; {@code nodes} is empty when nobody mounts it. */
  public record Mounters(String device, List<String> nodes) {}

  public List<Detected> detect(String device) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-d", device));
    if (!r.ok()) {
      throw new ToolFailure("detecting OCFS2 on " + device, r);
    }
    return parseDetect(r.stdout());
  }

  public List<Mounters> mounters(String device) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-f", device));
    if (!r.ok()) {
      throw new ToolFailure("listing the nodes that mount " + device, r);
    }
    return parseFull(r.stdout());
  }

  public static List<Detected> parseDetect(String out) {
    List<Detected> found = new ArrayList<>();
    for (Map<String, String> row : table(out)) {
      found.add(
          new Detected(
              row.get("Device"),
              row.getOrDefault("UUID", ""),
              row.getOrDefault("Label", ""),
              row.getOrDefault("Cluster", "")));
    }
    return found;
  }

  public static List<Mounters> parseFull(String out) {
    List<Mounters> found = new ArrayList<>();
    for (Map<String, String> row : table(out)) {
      String nodes = row.getOrDefault("Nodes", "");
      List<String> names =
          nodes.isEmpty() || nodes.startsWith("Not mounted") || nodes.startsWith("Unknown")
              ? List.of()
              : Arrays.stream(nodes.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
      found.add(new Mounters(row.get("Device"), names));
    }
    return found;
  }

  /**
   * Rows of a table whose header starts with "Device", keyed by header word. A device name longer than its
   * column pushes the rest of its row to the right (printf "%-Ns" does not truncate), so each row's offsets are
   * shifted by that overflow.
   */
  static List<Map<String, String>> table(String out) {
    List<String> names = new ArrayList<>();
    List<Integer> starts = new ArrayList<>();
    List<Map<String, String>> rows = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (names.isEmpty()) {
        if (line.startsWith("Device")) {
          int i = 0;
          while (i < line.length()) {
            while (i < line.length() && line.charAt(i) == ' ') {
              i++;
            }
            if (i >= line.length()) {
              break;
            }
            int s = i;
            while (i < line.length() && line.charAt(i) != ' ') {
              i++;
            }
            names.add(line.substring(s, i));
            starts.add(s);
          }
        }
        continue;
      }
      if (line.isBlank() || !line.startsWith("/")) {
        continue;
      }
      int deviceEnd = line.indexOf(' ');
      String device = deviceEnd < 0 ? line : line.substring(0, deviceEnd);
      int shift = names.size() > 1 ? Math.max(0, device.length() + 1 - starts.get(1)) : 0;
      Map<String, String> row = new LinkedHashMap<>();
      row.put(names.get(0), device);
      for (int c = 1; c < names.size(); c++) {
        int from = Math.min(line.length(), starts.get(c) + shift);
        int to = c + 1 < names.size() ? Math.min(line.length(), starts.get(c + 1) + shift) : line.length();
        row.put(names.get(c), from < to ? line.substring(from, to).strip() : "");
      }
      rows.add(row);
    }
    return rows;
  }
}
