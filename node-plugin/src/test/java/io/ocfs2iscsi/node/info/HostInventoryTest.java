package io.ocfs2iscsi.node.info;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.testing.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostInventoryTest {

  @TempDir Path root;

  @Test
  void aCompleteNodeLacksNothing() {
    ReferenceHost host = new ReferenceHost(root);

    NodeFacts f = host.inventory().facts("10.10.1.0/24", false);

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
  void theUserStacksDaemonsAreListedWithTheirVersions() {
    ReferenceHost host = new ReferenceHost(root);

    NodeFacts f = host.inventory().facts("10.10.1.0/24", true);

    assertThat(f.missingPrerequisites()).isEmpty();
    assertThat(f.tools()).contains(
        new NodeFacts.Tool("corosync", "Corosync Cluster Engine, version '3.1.7'", true),
        new NodeFacts.Tool("dlm_controld", "dlm_controld 4.2.0 (built Nov 17 2022 19:28:53)", true),
        new NodeFacts.Tool("sg_persist", "version: 0.67 20190913", true));
  }

  @Test
  void withoutCorosyncAndTheDlmModuleOnlyANodeOfAUserStackClusterLacksSomething() {
    ReferenceHost host = new ReferenceHost(root);
    host.fake.on("corosync", "-v").reply(Reply.fail(127, "corosync: No such file or directory"));
    host.fake.on("modprobe", "--dry-run", "dlm").reply(Reply.fail(1, "modprobe: FATAL: Module dlm not found"));
    HostInventory inventory = host.inventory();

    NodeFacts o2cb = inventory.facts("", false);
    NodeFacts user = inventory.facts("", true);

    assertThat(o2cb.missingPrerequisites()).isEmpty();
    assertThat(user.missingPrerequisites()).containsExactly(
        "corosync (corosync not found; the user stack needs it)", "kernel module dlm (the user stack needs it)");
    assertThat(user.ready()).as("Probe: an o2cb node needs neither").isTrue();
    assertThat(user.tools()).contains(new NodeFacts.Tool("corosync", "", false));
  }

  @Test
  void aMissingToolMakesTheNodeNotReadyAndIsNamedWithItsPackage() {
    ReferenceHost host = new ReferenceHost(root);
    host.fake.on("mkfs.ocfs2", "--version").reply(Reply.fail(127, "mkfs.ocfs2: No such file or directory"));

    NodeFacts f = host.inventory().facts("", false);

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

    NodeFacts f = host.inventory().facts("172.16.0.0/16", false);

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

  /**
   * kubelet's probes call Probe every 10 to 30 s with an 8 s deadline. On a loaded node a round of tool checks (a
   * dozen processes through nsenter) can take longer than that; a probe that waited for it failed, every probe in
   * the meantime started another round, and the liveness probe restarted the plugin in the middle of a stage. A
   * probe answers from the last round while one (only one) new round runs.
   */
  @Test
  void probesAnswerFromTheLastChecksWhileOneNewRoundRunsOnASlowHost() throws Exception {
    ReferenceHost host = new ReferenceHost(root);
    ManualClock clock = new ManualClock(Instant.EPOCH);
    HostInventory inv = host.inventory(clock);
    assertThat(inv.missingTools()).isEmpty();
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger slowChecks = new AtomicInteger();
    host.fake.on("iscsiadm", "--version").answer(argv -> {
      slowChecks.incrementAndGet();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Reply.ok("iscsiadm version 2.1.8\n");
    });
    host.fake.on("mkfs.ocfs2", "--version").reply(Reply.fail(127, "mkfs.ocfs2: No such file or directory"));
    clock.advance(Duration.ofMinutes(2));
    ExecutorService probes = Executors.newFixedThreadPool(3);
    try {
      // The first probe after the minute starts a round; it blocks in the host's first tool check.
      probes.submit(inv::missingTools).get(10, TimeUnit.SECONDS);
      long started = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (slowChecks.get() == 0 && System.nanoTime() < started) {
        Thread.sleep(5);
      }
      List<Future<List<String>>> answers = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        answers.add(probes.submit(inv::missingTools));
      }
      for (Future<List<String>> a : answers) {
        // Without the fix this waits for the blocked check until the test's bound.
        assertThat(a.get(10, TimeUnit.SECONDS)).as("the last round's answer").isEmpty();
      }
      assertThat(slowChecks.get()).as("rounds started by four probes").isEqualTo(1);
    } finally {
      release.countDown();
      probes.shutdownNow();
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (inv.missingTools().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(inv.missingTools()).as("the new round's answer once it is done").containsExactly("mkfs.ocfs2");
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
