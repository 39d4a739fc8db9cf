package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.CommandRunner;
import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.host.RedactingCommandRunner;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.host.Sleeper;

/** Every host tool, over one CommandRunner and one view of the host's files. */
public record HostTools(
    CommandRunner runner,
    HostFiles files,
    Sleeper sleeper,
    Iscsiadm iscsiadm,
    IscsiNodeRecords nodeRecords,
    ScsiId scsiId,
    ScsiSysfs sysfs,
    Multipath multipath,
    O2cb o2cb,
    Modprobe modprobe,
    MkfsOcfs2 mkfs,
    Blkid blkid,
    Wipefs wipefs,
    MountedOcfs2 mountedOcfs2,
    Mounter mounter,
    Statfs statfs,
    TunefsOcfs2 tunefs,
    Corosync corosync,
    DlmTool dlm,
    DaemonCgroups daemonCgroups,
    HostMode mode) {

  /** Tools over {@code commands}, whose output is redacted with {@code redactor} before any tool sees it. */
  public static HostTools create(
      CommandRunner commands, HostFiles files, HostMode mode, Sleeper sleeper, SecretRedactor redactor) {
    CommandRunner runner = new RedactingCommandRunner(commands, redactor);
    return new HostTools(
        runner,
        files,
        sleeper,
        new Iscsiadm(runner),
        new IscsiNodeRecords(files),
        new ScsiId(runner),
        new ScsiSysfs(files),
        new Multipath(runner),
        new O2cb(runner, files),
        new Modprobe(runner),
        new MkfsOcfs2(runner),
        new Blkid(runner),
        new Wipefs(runner),
        new MountedOcfs2(runner),
        new Mounter(runner, files, mode),
        new Statfs(runner),
        new TunefsOcfs2(runner),
        new Corosync(runner),
        new DlmTool(runner),
        new DaemonCgroups(runner, files, sleeper),
        mode);
  }
}
