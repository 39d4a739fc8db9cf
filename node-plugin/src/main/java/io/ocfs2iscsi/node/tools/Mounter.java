package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.host.HostMode;
import java.time.Duration;
import java.util.List;

/** util-linux mount/umount, and the host's mount table. */
public final class Mounter {

  public static final String MOUNT = "mount";
  public static final String UMOUNT = "umount";
  /** A first OCFS2 mount joins the DLM domain and starts the disk heartbeat: 10-13 s in slow guests. */
  private static final Duration MOUNT_TIMEOUT = Duration.ofMinutes(3);

  private final CommandRunner runner;
  private final HostFiles files;
  private final HostMode mode;

  public Mounter(CommandRunner runner, HostFiles files, HostMode mode) {
    this.runner = runner;
    this.files = files;
    this.mode = mode;
  }

  public MountTable table() {
    return MountTable.parse(files.read(mode.mountTable()).orElse(""));
  }

  public void mount(String device, String target, String fsType, List<String> options) {
    CommandResult r =
        runner.run(
            Command.of(MOUNT_TIMEOUT, MOUNT, "-t", fsType, "-o", String.join(",", options), device, target));
    if (!r.ok()) {
      throw new ToolFailure("mounting " + device + " at " + target, r);
    }
  }

  public void bind(String source, String target) {
    CommandResult r = runner.run(Command.of(MOUNT, "--bind", source, target));
    if (!r.ok()) {
      throw new ToolFailure("bind-mounting " + source + " at " + target, r);
    }
  }

  /**
   * Sets a bind mount's own flags (ro, nosuid, nodev): the kernel takes them only from a remount of the bind, not
   * from the bind itself. mount merges them with the flags the mount has.
   */
  public void remountBind(String target, List<String> flags) {
    CommandResult r = runner.run(Command.of(MOUNT, "-o", "remount,bind," + String.join(",", flags), target));
    if (!r.ok()) {
      throw new ToolFailure("setting " + String.join(",", flags) + " on the bind mount at " + target, r);
    }
  }

  public void unmount(String target) {
    CommandResult r = runner.run(Command.of(MOUNT_TIMEOUT, UMOUNT, target));
    if (!r.ok()) {
      throw new ToolFailure("unmounting " + target, r);
    }
  }

  public CommandResult version() {
    return runner.run(Command.of(MOUNT, "-V"));
  }
}
