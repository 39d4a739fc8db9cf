package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.Optional;

/**
 * udev's scsi_id: the WWID of a SCSI disk. {@code --replace-whitespace} gives the same string multipath uses
 * (udev's ID_SERIAL), so the value can go into a multipaths { wwid } entry as is.
 */
public final class ScsiId {

  public static final String PROGRAM = "/lib/udev/scsi_id";

  private final CommandRunner runner;

  public ScsiId(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * The WWID of /dev/{device}, or empty when scsi_id printed nothing (right after login udev may still be busy:
   * callers retry, bounded, instead of reading that as "no WWID").
   */
  public Optional<String> wwid(String device) {
    CommandResult r =
        runner.run(Command.of(PROGRAM, "--whitelisted", "--replace-whitespace", "--device=/dev/" + device));
    if (r.programMissing()) {
      throw new ToolFailure("reading the WWID of /dev/" + device, r);
    }
    return r.ok() ? parse(r.stdout()) : Optional.empty();
  }

  /** The first non-empty line, trimmed. */
  public static Optional<String> parse(String out) {
    for (String line : out.split("\n")) {
      if (!line.isBlank()) {
        return Optional.of(line.strip());
      }
    }
    return Optional.empty();
  }
}
