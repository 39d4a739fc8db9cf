package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.ArrayList;
import java.util.List;

/**
 * util-linux wipefs, only ever listing ({@code --no-act}, never {@code --all}): every signature on a device that
 * libblkid knows (filesystems, RAID members, partition tables), each at its offset, including ones blkid's single
 * verdict leaves out. The second, separate probe before a LUN is taken as blank.
 */
public final class Wipefs {

  public static final String PROGRAM = "wipefs";

  private final CommandRunner runner;

  public Wipefs(CommandRunner runner) {
    this.runner = runner;
  }

  /** One signature: its offset as wipefs prints it (0x438) and its type (ext4, dos, swap, ...). */
  public record Signature(String offset, String type) {
    public String describe() {
      return type + " at offset " + offset;
    }
  }

  /** The signatures on {@code device}; a ToolFailure when wipefs could not probe it. */
  public List<Signature> signatures(String device) {
    CommandResult r =
        runner.run(Command.of(PROGRAM, "--no-act", "--noheadings", "--output", "OFFSET,TYPE", device));
    if (!r.ok()) {
      throw new ToolFailure("listing the signatures on " + device, r);
    }
    return parse(r.stdout());
  }

  /**
   * Lines of {@code wipefs --noheadings --output OFFSET,TYPE}: "0x438  ext4". Every non-blank line is a signature,
   * also one that does not look like this (it is something on the device all the same).
   */
  public static List<Signature> parse(String out) {
    List<Signature> found = new ArrayList<>();
    for (String line : out.split("\n")) {
      String[] fields = line.strip().split("\\s+", 2);
      if (!fields[0].isEmpty()) {
        found.add(new Signature(fields[0], fields.length > 1 ? fields[1].strip() : "unknown"));
      }
    }
    return found;
  }
}
