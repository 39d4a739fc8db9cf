package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** multipath-tools: {@code multipath} for listing, WWID registration and flushing; {@code multipathd} commands. */
public final class Multipath {

  public static final String MULTIPATH = "multipath";
  public static final String MULTIPATHD = "multipathd";
  /** Where {@code multipath -a} records WWIDs that find_multipaths strict (Debian bookworm's default) accepts. */
  public static final String WWIDS_FILE = "/etc/multipath/wwids";

  private static final Duration FLUSH_TIMEOUT = Duration.ofSeconds(60);

  private final CommandRunner runner;

  public Multipath(CommandRunner runner) {
    this.runner = runner;
  }

  /** The map named {@code alias}, if device-mapper has it. */
  public Optional<MultipathMap> map(String alias) {
    CommandResult r = runner.run(Command.of(MULTIPATH, "-ll", alias));
    if (r.programMissing()) {
      throw new ToolFailure("listing multipath map " + alias, r);
    }
    // multipath -ll exits 0 with no output, or 1, when the map does not exist.
    return named(r.stdout(), alias);
  }

  /**
   * The map named {@code alias} as multipathd sees it ({@code multipathd show topology}, the same layout as
   * {@code multipath -ll}, from the daemon's own asynchronous path checkers). Health reads use this:
   * {@code multipath -ll} runs the path checkers itself, and on a path whose iSCSI session is recovering it waits on
   * the blocked disk (e2e/guest/smoke times both), so a health poll during a link failure would time out exactly
   * when it is needed. Falls back to {@code multipath -ll} when multipathd does not answer.
   */
  public Optional<MultipathMap> mapAsDaemonSees(String alias) {
    CommandResult r = runner.run(Command.of(MULTIPATHD, "show", "topology"));
    if (!r.ok()) {
      return map(alias);
    }
    return named(r.stdout(), alias);
  }

  /**
   * multipathd's queueing column of the map ({@code %Q}: "5 chk", "12 sec", "on", "off"); empty when multipathd does
   * not answer or has no such map. Read from the daemon: the kernel's table shows only whether it queues now.
   */
  public Optional<String> queueing(String alias) {
    CommandResult r = runner.run(Command.of(MULTIPATHD, "show", "maps", "format", "%n|%Q"));
    if (!r.ok()) {
      return Optional.empty();
    }
    return EffectiveTimeouts.queueingColumn(r.stdout(), alias);
  }

  /** The map named {@code alias} in a topology listing. */
  private static Optional<MultipathMap> named(String topology, String alias) {
    return parse(topology).stream().filter(m -> m.name().equals(alias)).findFirst();
  }

  /**
   * Adds the WWID of /dev/{device} to /etc/multipath/wwids: with find_multipaths strict a map is only built for
   * WWIDs listed there.
   */
  public void addWwid(String device) {
    CommandResult r = runner.run(Command.of(MULTIPATH, "-a", "/dev/" + device));
    if (!r.ok()) {
      throw new ToolFailure("registering the WWID of /dev/" + device + " with multipath", r);
    }
  }

  /** Re-reads the configuration and rebuilds maps, picking up paths that appeared after multipathd started. */
  public void reconfigure() {
    CommandResult r = runner.run(Command.of(MULTIPATHD, "reconfigure"));
    if (!r.ok()) {
      throw new ToolFailure("reloading multipathd (is multipathd running on the host?)", r);
    }
  }

  /** Adds one path to multipathd's maps (a late path that reconfigure did not pick up). */
  public void addPath(String device) {
    CommandResult r = runner.run(Command.of(MULTIPATHD, "add", "path", device));
    if (!r.ok()) {
      throw new ToolFailure("adding path " + device + " to multipathd", r);
    }
  }

  /**
   * Resizes the map to the size of its paths after the LUN grew and the paths were rescanned. multipathd answers
   * {@code ok} or {@code fail} (it refuses while the paths disagree on the size); only {@code ok} counts.
   */
  public void resizeMap(String alias) {
    CommandResult r = runner.run(Command.of(MULTIPATHD, "resize", "map", alias));
    if (!r.ok() || !resized(r.stdout())) {
      throw new ToolFailure("resizing multipath map " + alias + " to the size of its paths (multipathd refuses"
          + " while a path still shows the old size or is down)", r);
    }
  }

  /** True when multipathd's answer to a resize is {@code ok}. */
  public static boolean resized(String out) {
    return out.strip().equals("ok");
  }

  /** Turns queueing off, so that flushing a map whose paths are gone cannot hang on queued I/O. */
  public void disableQueueing(String alias) {
    CommandResult r = runner.run(Command.of(MULTIPATHD, "disablequeueing", "map", alias));
    if (!r.ok()) {
      throw new ToolFailure("turning queueing off on map " + alias, r);
    }
  }

  /** Removes the map; an already absent map is fine. */
  public void flush(String alias) {
    CommandResult r = runner.run(Command.of(FLUSH_TIMEOUT, MULTIPATH, "-f", alias));
    if (!r.ok()) {
      throw new ToolFailure("flushing multipath map " + alias + " (still open by a process or a mount?)", r);
    }
  }

  public CommandResult daemonStatus() {
    return runner.run(Command.of(MULTIPATHD, "show", "daemon"));
  }

  public CommandResult version() {
    return runner.run(Command.of(MULTIPATH, "-h"));
  }

  /** True when /etc/multipath/wwids (lines like {@code /3600.../}) lists the WWID. */
  public static boolean wwidsFileLists(String wwidsFile, String wwid) {
    for (String line : wwidsFile.split("\n")) {
      if (line.strip().equals("/" + wwid + "/")) {
        return true;
      }
    }
    return false;
  }

  private static final Pattern HEADER =
      Pattern.compile("^(?:(?:create|reload|switchpg): )?(\\S+)(?: \\((\\S+)\\))? (dm-\\d+|undef) (.*?)\\s*$");
  private static final Pattern SIZE = Pattern.compile("^size=(\\S+) features='([^']*)'");
  private static final Pattern PATH =
      Pattern.compile("(\\d+:\\d+:\\d+:\\d+)\\s+(\\S+)\\s+(\\d+:\\d+)\\s+(\\S+)\\s+(.+?)\\s+(\\S+)\\s*$");

  /**
   * Parses {@code multipath -ll} (and the create/reload lines of {@code multipath -v2}). A map without an alias
   * prints its WWID alone as its name. Log lines ({@code Feb 26 14:14:12 | sdc: ...}) are skipped.
   */
  public static List<MultipathMap> parse(String out) {
    List<MultipathMap> maps = new ArrayList<>();
    Builder b = null;
    for (String raw : out.split("\n")) {
      String line = raw.stripTrailing();
      if (line.isBlank() || line.contains(" | ")) {
        continue;
      }
      Matcher m;
      if (!line.startsWith(" ") && !line.startsWith("|") && !line.startsWith("`") && !line.startsWith("size=")
          && (m = HEADER.matcher(line)).matches()) {
        if (b != null) {
          maps.add(b.build());
        }
        b = new Builder();
        b.name = m.group(1);
        b.wwid = m.group(2) != null ? m.group(2) : m.group(1);
        b.dm = m.group(3);
        String vp = m.group(4);
        int comma = vp.indexOf(',');
        b.vendor = comma < 0 ? vp.strip() : vp.substring(0, comma).strip();
        b.product = comma < 0 ? "" : vp.substring(comma + 1).strip();
      } else if (b != null && (m = SIZE.matcher(line)).find()) {
        b.size = m.group(1);
        b.features = m.group(2);
      } else if (b != null && !line.contains("policy=") && (m = PATH.matcher(line)).find()) {
        b.paths.add(new MultipathPath(m.group(1), m.group(2), m.group(3), m.group(4), m.group(5), m.group(6)));
      }
    }
    if (b != null) {
      maps.add(b.build());
    }
    return maps;
  }

  private static final class Builder {
    String name;
    String wwid;
    String dm;
    String vendor;
    String product;
    String size = "";
    String features = "";
    final List<MultipathPath> paths = new ArrayList<>();

    MultipathMap build() {
      return new MultipathMap(name, wwid, dm, vendor, product, size, features, List.copyOf(paths));
    }
  }
}
