package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * device-mapper's {@code dmsetup}: how often a map is open, and its device number. The kernel counts every open of
 * the map: the superblock of a mounted filesystem (once, however many mount namespaces mount it), o2cb's disk
 * heartbeat region on it (once while the region runs), and every process that has /dev/mapper/&lt;map&gt; open.
 * Nothing else gives that count: sysfs shows only stacked devices (holders), not mounts or processes.
 */
public final class Dmsetup {

  public static final String PROGRAM = "dmsetup";

  private final CommandRunner runner;

  public Dmsetup(CommandRunner runner) {
    this.runner = runner;
  }

  /** What the kernel reports about one map. */
  public record Info(String name, int openCount, int major, int minor) {
    /** major:minor as /proc/PID/mountinfo writes it. */
    public String deviceNumber() {
      return major + ":" + minor;
    }
  }

  /** The map named {@code name}; empty when device-mapper has no such map. */
  public Optional<Info> info(String name) {
    CommandResult r = runner.run(Command.of(PROGRAM, "info", name));
    if (missing(r.stdout()) || missing(r.stderr())) {
      return Optional.empty();
    }
    if (!r.ok()) {
      throw new ToolFailure("reading the open count of device-mapper map " + name, r);
    }
    Optional<Info> info = parseInfo(r.stdout(), name);
    if (info.isEmpty()) {
      throw new ToolFailure(
          "reading the open count of device-mapper map " + name + " (no `Open count` and `Major, minor` lines)", r);
    }
    return info;
  }

  public CommandResult version() {
    return runner.run(Command.of(PROGRAM, "--version"));
  }

  private static boolean missing(String out) {
    return out != null && out.lines().anyMatch(l -> l.strip().equals("Device does not exist."));
  }

  private static final Pattern OPEN = Pattern.compile("(?m)^Open count:\\s+(\\d+)\\s*$");
  private static final Pattern NUMBER = Pattern.compile("(?m)^Major, minor:\\s+(\\d+),\\s*(\\d+)\\s*$");

  /**
   * Parses {@code dmsetup info <name>} (its long form, lvm2's {@code _display_info_long}): empty when the open
   * count or the device number is missing (the kernel may not report the count; then nothing can be concluded).
   */
  public static Optional<Info> parseInfo(String out, String name) {
    Matcher open = OPEN.matcher(out);
    Matcher number = NUMBER.matcher(out);
    if (!open.find() || !number.find()) {
      return Optional.empty();
    }
    return Optional.of(
        new Info(name, Integer.parseInt(open.group(1)), Integer.parseInt(number.group(1)),
            Integer.parseInt(number.group(2))));
  }
}
