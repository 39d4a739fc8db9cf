package io.ocfs2iscsi.node.info;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostInventoryTest {

  @TempDir Path root;

  @Test
  void aCompleteNodeLacksNothing() {
    ReferenceHost host = new ReferenceHost(root);

    NodeFacts f = host.inventory().facts("10.10.1.0/24");

    assertThat(f.missingPrerequisites()).isEmpty();
    assertThat(f.ready()).isTrue();
    assertThat(f.nodeName()).isEqualTo("drbd01");
    assertThat(f.o2cbNodeName()).isEqualTo("drbd01");
    assertThat(f.o2cbAddress()).isEqualTo("10.10.1.17");
    assertThat(f.initiatorName()).isEqualTo("iqn.1993-08.org.debian:01:8d74927a5fe7");
    assertThat(f.tools())
        .contains(
            new NodeFacts.Tool("iscsiadm", "iscsiadm version 2.1.8", true),
            new NodeFacts.Tool("mkfs.ocfs2", "mkfs.ocfs2 1.8.7", true),
            new NodeFacts.Tool("multipath", "multipath-tools v0.9.4 (12/19, 2022)", true));
  }

  @Test
  void aMissingToolMakesTheNodeNotReadyAndIsNamedWithItsPackage() {
    ReferenceHost host = new ReferenceHost(root);
    host.fake.on("mkfs.ocfs2", "--version").reply(Reply.fail(127, "mkfs.ocfs2: No such file or directory"));

    NodeFacts f = host.inventory().facts("");

    assertThat(f.ready()).isFalse();
    assertThat(f.missingTools()).containsExactly("mkfs.ocfs2");
    assertThat(f.missingPrerequisites()).contains("ocfs2-tools (mkfs.ocfs2 not found)");
    assertThat(f.tools()).contains(new NodeFacts.Tool("mkfs.ocfs2", "", false));
  }

  @Test
  void missingModulesDaemonsAndNetworkAreReported() throws Exception {
    ReferenceHost host = new ReferenceHost(root);
    host.fake.on("modprobe", "--dry-run", "ocfs2").reply(Reply.fail(1, "modprobe: FATAL: Module ocfs2 not found"));
    java.nio.file.Files.delete(root.resolve("proc/312/comm"));

    NodeFacts f = host.inventory().facts("172.16.0.0/16");

    assertThat(f.missingPrerequisites())
        .contains("kernel module ocfs2", "multipathd is not running",
            "no address of this node is inside 172.16.0.0/16 (the o2cb network)");
    assertThat(f.o2cbAddress()).isEmpty();
    // Modules and daemons are reported; only missing tools make Probe fail.
    assertThat(f.ready()).isTrue();
  }

  @Test
  void toolChecksAreCachedBetweenProbes() {
    ReferenceHost host = new ReferenceHost(root);
    HostInventory inv = host.inventory();

    inv.missingTools();
    int after = host.fake.calls().size();
    inv.missingTools();

    assertThat(host.fake.calls()).hasSize(after);
  }

  @Test
  void versionLineAndInitiatorName() {
    Command c = Command.of("x");
    assertThat(HostInventory.version(new CommandResult(c, 0, "", "o2cb 1.8.7\n"))).isEqualTo("o2cb 1.8.7");
    assertThat(HostInventory.version(new CommandResult(c, 0, "no digits\n", ""))).isEmpty();
    assertThat(HostInventory.parseInitiatorName("#InitiatorName=iqn.x\nInitiatorName= iqn.2020-01.a:b \n"))
        .contains("iqn.2020-01.a:b");
  }
}
