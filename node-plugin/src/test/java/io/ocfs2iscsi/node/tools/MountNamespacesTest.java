package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.host.HostFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /proc/PID/mountinfo of every process, on real captures of a mount held by a private mount namespace. */
class MountNamespacesTest {

  @TempDir Path root;

  @Test
  void parsesRealMountinfoWithEscapedPaths() {
    var lines = MountNamespaces.parse(captured("host/mountinfo-private-namespace.txt"));

    assertThat(lines).hasSize(22);
    assertThat(lines).filteredOn(l -> l.deviceNumber().equals("7:0"))
        .extracting(MountNamespaces.Line::mountPoint)
        .containsExactly("/tmp/hbcap/staging", "/tmp/hbcap/pod", "/tmp/hbcap/with space");
    assertThat(lines.get(0))
        .isEqualTo(new MountNamespaces.Line("254:0", "/", "/", "ext4", "/dev/vda"));
    assertThat(MountNamespaces.parse("garbage\n\n1 2 3\n")).isEmpty();
  }

  @Test
  void findsTheNamespaceThatStillMountsTheDeviceAfterTheHostUnmountedIt() throws IOException {
    process(1, "systemd", "host-namespace", "mnt:[4026531832]");
    process(17449, "sleep", "private-namespace", "mnt:[4026532187]");

    var holders = new MountNamespaces(new HostFiles(root)).mountsOf("7:0");

    assertThat(holders)
        .containsExactly(
            new MountNamespaces.Holder(17449, "sleep", "/tmp/hbcap/staging"),
            new MountNamespaces.Holder(17449, "sleep", "/tmp/hbcap/pod"),
            new MountNamespaces.Holder(17449, "sleep", "/tmp/hbcap/with space"));
    assertThat(holders.get(1)).hasToString("pid 17449 (sleep) at /tmp/hbcap/pod");
  }

  @Test
  void nobodyHoldsItOnceThePrivateNamespaceIsGone() throws IOException {
    process(1, "systemd", "host-namespace", "mnt:[4026531832]");

    assertThat(new MountNamespaces(new HostFiles(root)).mountsOf("7:0")).isEmpty();
  }

  @Test
  void eachNamespaceIsReadOnceAndVanishedProcessesAreSkipped() throws IOException {
    process(17449, "sleep", "private-namespace", "mnt:[4026532187]");
    process(17450, "sh", "private-namespace", "mnt:[4026532187]");
    // A process that exited between the listing of /proc and the read: its directory is empty.
    Files.createDirectories(root.resolve("proc/17451"));
    Files.createDirectories(root.resolve("proc/self"));

    assertThat(new MountNamespaces(new HostFiles(root)).mountsOf("7:0"))
        .extracting(MountNamespaces.Holder::pid)
        .containsOnly(17449);
  }

  private void process(int pid, String comm, String capture, String namespace) throws IOException {
    Path dir = root.resolve("proc/" + pid);
    Files.createDirectories(dir.resolve("ns"));
    Files.writeString(dir.resolve("comm"), comm + "\n");
    Files.writeString(dir.resolve("mountinfo"), captured("host/mountinfo-" + capture + ".txt"));
    Files.createSymbolicLink(dir.resolve("ns/mnt"), Path.of(namespace));
  }
}
