package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;

/** modprobe: loads kernel modules (loaded or built-in ones succeed). */
public final class Modprobe {

  public static final String PROGRAM = "modprobe";

  private final CommandRunner runner;

  public Modprobe(CommandRunner runner) {
    this.runner = runner;
  }

  public CommandResult load(String module) {
    return runner.run(Command.of(PROGRAM, module));
  }

  /** True when the module is loaded, built in, or can be loaded (modprobe --dry-run). */
  public boolean available(String module) {
    return runner.run(Command.of(PROGRAM, "--dry-run", module)).ok();
  }
}
