package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The test bed from Java: guests answer commands, and TCP ports inside guests are reachable on 127.0.0.1. */
@Tag("e2e")
class TestBedTest {

  private static final String TARGET = "iqn.2016-02.local.virtual:virtual.vg1";

  private static TestBed bed;
  private static Path share;

  @BeforeAll
  static void start() throws IOException {
    share = Files.createTempDirectory(TestBed.repoRoot().resolve("e2e/kernel/target"), "share-");
    Path cls = Path.of("target/test-classes/io/ocfs2iscsi/e2e/kernel/GuestEchoServer.class").toAbsolutePath();
    Path dest = share.resolve("io/ocfs2iscsi/e2e/kernel/GuestEchoServer.class");
    Files.createDirectories(dest.getParent());
    Files.copy(cls, dest);
    bed = TestBed.start(TestBed.Options.defaults().withShare(share));
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (bed != null) {
      bed.close();
      assertThat(bed.tornDown()).as("launcher reported its teardown").isTrue();
      // Guests (also those booted again), forwarders and tgtd name the namespace in their command lines.
      String netns = bed.netns();
      long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
      List<String> left = leftovers(netns);
      while (!left.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(200);
        left = leftovers(netns);
      }
      assertThat(left).as("processes of " + netns + " after teardown").isEmpty();
      assertThat(Path.of("/run/netns", netns)).as("namespace after teardown").doesNotExist();
    }
  }

  private static List<String> leftovers(String netns) {
    return ProcessHandle.allProcesses()
        .filter(p -> p.isAlive() && p.info().commandLine().map(c -> c.contains(netns)).orElse(false))
        .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
        .toList();
  }

  @Test
  void guestsAreRealKernelsWithTheStorageTools() {
    assertThat(bed.nodes()).containsOnlyKeys("node1", "node2");
    for (TestBed.Node n : bed.nodes().values()) {
      assertThat(bed.exec(n.name(), Duration.ofSeconds(30), "hostname").requireSuccess().stdout().trim())
          .isEqualTo(n.name());
      String iqn = bed.exec(n.name(), Duration.ofSeconds(30), "cat", "/etc/iscsi/initiatorname.iscsi").stdout();
      assertThat(iqn.trim()).isEqualTo("InitiatorName=" + n.iqn());
      TestBed.ExecResult modules = bed.exec(n.name(), Duration.ofSeconds(30), "cat", "/proc/modules");
      assertThat(modules.stdout()).contains("iscsi_tcp", "dm_multipath", "ocfs2_dlmfs", "ocfs2_stack_o2cb");
    }
    TestBed.ExecResult noSession = bed.exec("node1", Duration.ofSeconds(30), "iscsiadm", "-m", "session");
    assertThat(noSession.exitCode()).isEqualTo(21);
    TestBed.ExecResult discovery = bed.exec("node1", Duration.ofSeconds(60),
        "iscsiadm", "-m", "discovery", "-t", "st", "-p", "192.168.0.180");
    assertThat(discovery.requireSuccess().stdout())
        .isEqualTo("192.168.0.180:3260,1 iqn.2016-02.local.virtual:virtual.vg1\n");
  }

  @Test
  void guestTcpPortsAreReachableFromTheHost() throws Exception {
    for (TestBed.Node n : bed.nodes().values()) {
      bed.spawn(n.name(), "java", "-Xmx64m", "-cp", "/host", "io.ocfs2iscsi.e2e.kernel.GuestEchoServer",
          "50051", "50052");
    }
    for (TestBed.Node n : bed.nodes().values()) {
      for (int port : new int[] {50051, 50052}) {
        InetSocketAddress a = n.port(port);
        assertThat(a.getHostString()).isEqualTo("127.0.0.1");
        assertThat(askWithRetry(a, "ping", Duration.ofSeconds(90))).isEqualTo(n.name() + " " + port + " ping");
      }
    }
  }

  @Test
  void aKilledNodeBootsAgainOnItsOwnDiskWithItsNetworksAndInitiatorName() {
    TestBed.Node node1 = bed.node("node1");
    TestBed.Node node2 = bed.node("node2");
    String written = "written before the crash " + UUID.randomUUID();
    bed.exec("node2", Duration.ofSeconds(30), "bash", "-c", "echo \"$1\" >/root/before-crash && sync", "_", written)
        .requireSuccess();
    // Node records on both portals marked for login at boot, as a volume's login leaves them (not logged in now).
    for (String portal : new String[] {"192.168.0.180", "10.20.1.180"}) {
      bed.exec("node2", Duration.ofSeconds(60), "iscsiadm", "-m", "discovery", "-t", "st", "-p", portal)
          .requireSuccess();
    }
    bed.exec("node2", Duration.ofSeconds(30), "iscsiadm", "-m", "node", "-T", TARGET, "-o", "update",
        "-n", "node.startup", "-v", "automatic").requireSuccess();
    bed.exec("node2", Duration.ofSeconds(30), "sync").requireSuccess();

    long killed = System.nanoTime();
    bed.killNode("node2");
    assertThat(bed.guestRunning("node2")).as("node2 after the kill").isFalse();
    Duration boot = bed.bootNode("node2");
    Duration killToReady = Duration.ofNanos(System.nanoTime() - killed);
    System.out.printf("node2 killed and booted again: agent ready %.1f s after the kill (boot %.1f s)%n",
        killToReady.toMillis() / 1000.0, boot.toMillis() / 1000.0);
    assertThat(bed.guestRunning("node2")).as("node2 after the boot").isTrue();

    double uptime = Double.parseDouble(bed.exec("node2", Duration.ofSeconds(30), "cat", "/proc/uptime")
        .requireSuccess().stdout().split(" ")[0]);
    assertThat(uptime).as("node2's uptime: a new kernel").isLessThan(killToReady.toSeconds() + 10.0);
    assertThat(bed.exec("node2", Duration.ofSeconds(30), "cat", "/root/before-crash").requireSuccess().stdout())
        .as("a file written and synced before the kill").isEqualTo(written + "\n");
    assertThat(bed.exec("node2", Duration.ofSeconds(30), "cat", "/etc/iscsi/initiatorname.iscsi")
        .requireSuccess().stdout()).isEqualTo("InitiatorName=" + node2.iqn() + "\n");

    // What open-iscsi.service does at a real node's boot: the automatic records are logged in, on both SANs.
    String sessions = bed.exec("node2", Duration.ofSeconds(30), "iscsiadm", "-m", "session").requireSuccess().stdout();
    assertThat(sessions).contains("] 192.168.0.180:3260,1 " + TARGET, "] 10.20.1.180:3260,1 " + TARGET);
    bed.exec("node2", Duration.ofSeconds(30), "ping", "-c", "1", "-W", "5", node1.mgmtIp()).requireSuccess();
    bed.exec("node1", Duration.ofSeconds(30), "ping", "-c", "1", "-W", "5", node2.mgmtIp()).requireSuccess();
  }

  /** Connects until the guest's server is up (the forward accepts at once and closes while nothing listens). */
  private static String askWithRetry(InetSocketAddress a, String line, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(a.getHostString(), a.getPort()), 5000);
        s.setSoTimeout(15000);
        PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        out.println(line);
        String answer = in.readLine();
        if (answer != null) {
          return answer;
        }
      } catch (IOException e) {
        last = e;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("no answer from " + a + " within " + limit, last);
  }
}
