package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * util-linux blkid in low-level probing mode ({@code -p}): it reads the device itself, never blkid's cache or udev's
 * database, so a signature written moments ago on another node is seen (a stale cache is how data gets
 * reformatted).
 */
public final class Blkid {

  public static final String PROGRAM = "blkid";
  static final int EXIT_NOTHING_FOUND = 2;
  static final int EXIT_AMBIVALENT = 8;

  private final CommandRunner runner;

  public Blkid(CommandRunner runner) {
    this.runner = runner;
  }

  public BlkidProbe probe(String device) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-p", "-o", "export", device));
    return switch (r.exitCode()) {
      case 0 -> found(device, r);
      case EXIT_NOTHING_FOUND -> nothingFound(device, r);
      case EXIT_AMBIVALENT -> new BlkidProbe(parseExport(r.stdout()), true);
      default -> throw new ToolFailure("probing " + device + " for signatures", r);
    };
  }

  /**
   * Exit 0 means blkid printed what it found; without a TYPE or PTTYPE tag it did not say what that is (or its
   * output was cut short), which is never read as "nothing there".
   */
  private static BlkidProbe found(String device, CommandResult r) {
    BlkidProbe probe = new BlkidProbe(parseExport(r.stdout()), false);
    if (probe.type().isEmpty() && probe.partitionTable().isEmpty()) {
      throw new ToolFailure("probing " + device + " for signatures", r,
          "exit 0 without a TYPE or PTTYPE tag: what blkid found is unknown");
    }
    return probe;
  }

  /**
   * Exit 2 is also blkid's answer when it could not open the device, with a complaint on stderr: only a silent
   * exit 2 is "nothing found" (and even that is not proof: blkid is silent about a path that does not exist).
   */
  private static BlkidProbe nothingFound(String device, CommandResult r) {
    if (!r.stderr().isBlank()) {
      throw new ToolFailure("probing " + device + " for signatures", r, "blkid could not open or probe the device");
    }
    return BlkidProbe.BLANK;
  }

  /** KEY=value lines of {@code blkid -o export}. */
  public static Map<String, String> parseExport(String out) {
    Map<String, String> tags = new LinkedHashMap<>();
    for (String line : out.split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0) {
        tags.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    return tags;
  }
}
