package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** modprobe: loads kernel modules (loaded or built-in ones succeed). */
public final class Modprobe {

  private static final Logger LOG = LoggerFactory.getLogger(Modprobe.class);

  public static final String PROGRAM = "modprobe";

  private final CommandRunner runner;

  public Modprobe(CommandRunner runner) {
    this.runner = runner;
  }

  public CommandResult load(String module) {
    return runner.run(Command.of(PROGRAM, module));
  }

  /**
   * Loads each module a cluster stack needs, going on past a failure: a module built into the kernel has no file to
   * load, and what is really missing shows in the step that needs it.
   */
  public void loadEach(List<String> modules) {
    for (String m : modules) {
      CommandResult r = load(m);
      if (!r.ok()) {
        LOG.info("modprobe {}: {} (fine when built in)", m, r.complaint());
      }
    }
  }

  /** True when the module is loaded, built in, or can be loaded (modprobe --dry-run). */
  public boolean available(String module) {
    return runner.run(Command.of(PROGRAM, "--dry-run", module)).ok();
  }
}
