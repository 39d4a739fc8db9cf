package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;

/** coreutils {@code stat -f}: usage of a mounted filesystem, as seen in the host's mount namespace. */
public final class Statfs {

  public static final String PROGRAM = "stat";

  private final CommandRunner runner;

  public Statfs(CommandRunner runner) {
    this.runner = runner;
  }

  /** Bytes and inodes of a filesystem. */
  public record Usage(long totalBytes, long freeBytes, long availableBytes, long totalInodes, long freeInodes) {
    public long usedBytes() {
      return totalBytes - freeBytes;
    }

    public long usedInodes() {
      return totalInodes - freeInodes;
    }
  }

  public Usage usage(String path) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-f", "--format=%S %b %f %a %c %d", path));
    if (!r.ok()) {
      throw new ToolFailure("reading the usage of " + path, r);
    }
    return parse(r.stdout());
  }

  /** "fundamental-block-size blocks free available inodes free-inodes". */
  public static Usage parse(String out) {
    String[] f = out.strip().split("\\s+");
    if (f.length != 6) {
      throw new IllegalArgumentException("unexpected stat -f output: " + out.strip());
    }
    long bs = Long.parseLong(f[0]);
    return new Usage(
        bs * Long.parseLong(f[1]), bs * Long.parseLong(f[2]), bs * Long.parseLong(f[3]), Long.parseLong(f[4]),
        Long.parseLong(f[5]));
  }
}
