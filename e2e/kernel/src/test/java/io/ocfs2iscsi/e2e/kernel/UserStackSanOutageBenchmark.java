package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * What a SAN outage longer than o2cb's dead time does on the user stack, measured the way SafetyScenariosTest
 * measures it on o2cb (both SAN links of node1 cut while both nodes mount the volume and write): the user stack has
 * no disk heartbeat, so node1 must not fence (restart) itself; what its writes and node2's writes do meanwhile, and
 * whether node1 writes again once the SAN is back, is reported. Not in CI (its own test bed, about 6 minutes):
 * {@code mvn -B -ntp -Pe2e -pl e2e/kernel -am test -Dtest=UserStackSanOutageBenchmark
 * -Dsurefire.excludedGroups=harness -Dsurefire.failIfNoSpecifiedTests=false}; the numbers go to the
 * {@code user_stack_san_outage} section of e2e/target/e2e-report.json.
 */
@Tag("benchmark")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class UserStackSanOutageBenchmark {

  static final String N1 = "node1";
  static final String N2 = "node2";
  static final String S = "user_stack_san_outage";
  static final Duration CMD = Duration.ofSeconds(60);
  /** Longer than o2cb's dead time with the product's defaults ((17 - 1) x 2 s = 32 s) and the map's queueing. */
  static final Duration OUTAGE = Duration.ofSeconds(45);

  final Report report = Report.shared();
  PluginBed bed;
  Kubelet kubelet;
  UserStackFencingScenario stack;

  @BeforeAll
  void start() {
    bed = PluginBed.start("512M");
    kubelet = new Kubelet(bed);
    stack = new UserStackFencingScenario(bed, kubelet, report, ReferenceVolume.volume2(), "outage-1");
    stack.bringUp();
  }

  @AfterAll
  void stop() throws Exception {
    try {
      Path file = report.write(Report.defaultPath());
      System.out.println("e2e report " + file + ", section " + S + ":\n" + report.section(S));
    } finally {
      if (bed != null) {
        bed.close();
      }
    }
  }

  @Test
  void node1KeepsRunningThroughASanOutageLongerThanTheO2cbDeadTime() {
    String mount = stack.mount();
    GuestIo.Writer w1 = GuestIo.startWriter(bed, N1, "outage1", mount + "/outage-node1", 400);
    GuestIo.Writer w2 = GuestIo.startWriter(bed, N2, "outage2", mount + "/outage-node2", 400);
    Poll.sleep(Duration.ofSeconds(3));
    double cutAt = GuestIo.guestClock(bed, N2);
    long cut = System.nanoTime();
    bed.bed().fault("link-down", N1, "a");
    bed.bed().fault("link-down", N1, "b");
    boolean alwaysRunning = true;
    String healthDuring = "";
    try {
      long end = System.nanoTime() + OUTAGE.toNanos();
      while (System.nanoTime() < end) {
        alwaysRunning &= bed.bed().guestRunning(N1);
        if (healthDuring.isEmpty() && secondsSince(cut) > 20) {
          try {
            GetVolumeHealthResponse h = bed.health(N1, stack.vol);
            healthDuring = "mounted=" + h.getMounted() + " read_only=" + h.getReadOnly() + " problems="
                + h.getProblemsList();
          } catch (RuntimeException e) {
            healthDuring = "no answer: " + e.getMessage();
          }
        }
        Poll.sleep(Duration.ofSeconds(1));
      }
    } finally {
      bed.bed().fault("link-up", N1, "a");
      bed.bed().fault("link-up", N1, "b");
    }
    double restoredAt = GuestIo.guestClock(bed, N2);
    // Paths back (multipathd's checker) and what was queued or failed settles.
    boolean pathsBack = Poll.waitFor(Duration.ofSeconds(90), Duration.ofSeconds(1),
        () -> NodePluginScenariosTest.activePaths(bed.run(N1, CMD, "multipath", "-ll",
            stack.vol.getMultipath().getAlias())) == 2);
    Poll.sleep(Duration.ofSeconds(15));
    alwaysRunning &= bed.bed().guestRunning(N1);
    GuestIo.Result r1 = w1.stop(Duration.ofMinutes(3));
    GuestIo.Result r2 = w2.stop(Duration.ofMinutes(3));
    TestBed.ExecResult after = bed.exec(N1, CMD, "dd", "if=/dev/zero", "of=" + mount + "/after-outage.bin",
        "bs=64k", "count=16", "conv=fsync", "status=none");
    GetVolumeHealthResponse healthAfter = bed.health(N1, stack.vol);
    String kernel = String.join("\n", bed.run(N1, CMD, "dmesg").lines()
        .filter(l -> l.matches("(?i).*(ocfs2|jbd2|dlm|reservation|abort|read-only|fenc).*")).toList());

    report.put(S, "outage_seconds", OUTAGE.toSeconds());
    report.put(S, "node1_kept_running", alwaysRunning);
    report.put(S, "node1_paths_back", pathsBack);
    report.put(S, "node1_health_during", healthDuring);
    report.put(S, "node1_writes", r1.writes().size());
    report.put(S, "node1_failed_writes", r1.failed());
    report.put(S, "node1_longest_write_seconds", Report.round(r1.longestWrite()));
    report.put(S, "node1_writes_done_after_restore", r1.writes().stream()
        .filter(x -> x.exitCode() == 0 && x.start() > restoredAt).count());
    report.put(S, "node2_writes", r2.writes().size());
    report.put(S, "node2_failed_writes", r2.failed());
    report.put(S, "node2_longest_write_seconds", Report.round(r2.longestWrite()));
    report.put(S, "node2_writes_completed_during_outage", r2.writes().stream()
        .filter(x -> x.exitCode() == 0 && x.end() > cutAt && x.end() < restoredAt).count());
    report.put(S, "node1_write_after_outage", after.exitCode() + " " + after.stderr().strip());
    report.put(S, "node1_read_only_after", healthAfter.getReadOnly());
    report.put(S, "node1_problems_after", healthAfter.getProblemsList().toString());
    report.put(S, "node1_kernel_log", kernel);

    // The user stack has no disk heartbeat: a node cut off from the SAN does not restart itself.
    assertThat(alwaysRunning).as("node1 kept running through the outage (console %s)", bed.bed().consoleLog(N1))
        .isTrue();
    assertThat(pathsBack).as("node1's paths back after the outage").isTrue();
    for (String n : List.of(N2, N1)) {
      try {
        kubelet.unstage(n, stack.vol);
      } catch (RuntimeException e) {
        report.put(S, "unstage_" + n, e.getMessage());
      }
    }
  }

  static double secondsSince(long nanos) {
    return Report.round((System.nanoTime() - nanos) / 1e9);
  }
}
