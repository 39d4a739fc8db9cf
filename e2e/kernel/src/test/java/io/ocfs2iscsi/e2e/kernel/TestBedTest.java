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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The test bed from Java: guests answer commands, and TCP ports inside guests are reachable on 127.0.0.1. */
@Tag("e2e")
class TestBedTest {

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
  static void stop() {
    if (bed != null) {
      bed.close();
      assertThat(bed.tornDown()).as("launcher reported its teardown").isTrue();
    }
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
