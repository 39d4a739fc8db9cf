package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The reference flow with raw commands in two real-kernel guests ({@code e2e/guest/smoke}): discovery and login on
 * both portals, multipath map mylun with 2 paths, o2cb, mkfs.ocfs2, mount on both nodes, same sha256 on both,
 * a SAN link cut and restored, the target killed and restarted, logout. Keeps the harness itself honest. Tagged
 * {@code harness} ({@code mvn -Pharness -pl e2e/kernel -am test}): CI's e2e tests drive the same commands through
 * the node plugin and the cluster.
 */
@Tag("harness")
class SmokeTest {

  @Test
  void referenceFlowPassesOnRealKernels() throws Exception {
    Path root = TestBed.repoRoot();
    Path log = Files.createTempFile(Files.createDirectories(root.resolve("e2e/kernel/target")), "smoke-", ".log");
    Process p = new ProcessBuilder(root.resolve("e2e/guest/smoke").toString())
        .directory(root.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    p.getOutputStream().close();
    boolean done = p.waitFor(20, TimeUnit.MINUTES);
    if (!done) {
      p.destroy(); // SIGTERM: the launcher tears down
      p.waitFor(2, TimeUnit.MINUTES);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("smoke finished within 20 min; log %s", log).isTrue();
    assertThat(p.exitValue()).as("smoke exit code; log %s:%n%s", log, out).isZero();
    assertThat(out).contains("sha256 equal on both nodes", "smoke: 1 passed, 0 failed", "E2E DONE rc=0");
  }
}
