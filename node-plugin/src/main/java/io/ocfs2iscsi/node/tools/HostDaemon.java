package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.time.Duration;

/**
 * Starting a daemon of the cluster stack so that it outlives the plugin: through its systemd unit where the host runs
 * systemd (systemd then owns it), otherwise its program, which detaches itself.
 */
final class HostDaemon {

  /** The daemon returns once it has detached, 3 to 5 s on a loaded test bed. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private HostDaemon() {}

  static void start(CommandRunner runner, boolean systemd, String unit, String program) {
    Command c = systemd
        ? Command.of(START_TIMEOUT, "systemctl", "start", unit)
        : Command.of(START_TIMEOUT, program);
    CommandResult r = runner.run(c);
    if (!r.ok()) {
      throw new ToolFailure("starting " + program, r);
    }
  }
}
