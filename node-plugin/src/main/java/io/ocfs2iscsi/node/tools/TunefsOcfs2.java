package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.time.Duration;
import java.util.List;

/**
 * tunefs.ocfs2. {@code -S} grows a filesystem to the size of its device; on a mounted filesystem it does so online
 * (the kernel links the new cluster groups under a cluster-wide DLM lock, so a second tunefs.ocfs2 on another node
 * fails instead of racing). A filesystem already as large as its device is left alone (exit 0).
 */
public final class TunefsOcfs2 {

  public static final String PROGRAM = "tunefs.ocfs2";
  /** Growing writes one group descriptor per new cluster group: seconds per TiB, bounded generously. */
  public static final Duration GROW_TIMEOUT = Duration.ofMinutes(10);

  private final CommandRunner runner;

  public TunefsOcfs2(CommandRunner runner) {
    this.runner = runner;
  }

  /** The device path is the volume's validated map path, /dev/mapper/{alias}. */
  public static List<String> growArgv(String device) {
    return List.of(PROGRAM, "-S", device);
  }

  /** Grows the filesystem on {@code device} to the device's size; online when it is mounted here. */
  public void growToDevice(String device) {
    CommandResult r = runner.run(new Command(growArgv(device), GROW_TIMEOUT));
    if (!r.ok()) {
      throw new ToolFailure("growing the OCFS2 filesystem on " + device + " to the size of the device", r);
    }
  }
}
