package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.contract.FailoverDefaults;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;

/**
 * A SAN outage on the user stack, the outage SafetyScenariosTest measures on o2cb: both SAN links of node1 are cut
 * for longer than the map's queueing while both nodes mount the volume (persistent-reservation fencing) and write;
 * node2 keeps its SAN and its corosync link to node1. What node1's writes, journal and kernel do, whether and when
 * node2 fences node1 (node1's key gone from the LUN), what node2's writes see, and node1's state afterwards go to
 * the {@code user_stack_san_outage} section of the report; then the same while node1 only mounts. Each ends with
 * the links back and both nodes staged: a node that went down boots, is kept off the LUN until it stages again
 * (asserted for node1), and stages.
 */
final class UserStackSanOutageScenario {

  static final String N1 = "node1";
  static final String N2 = "node2";
  static final String S = "user_stack_san_outage";
  static final Duration CMD = Duration.ofSeconds(60);
  /** The map's queueing once every path failed: noPathRetry checker intervals. */
  static final int QUEUEING_SECONDS = FailoverDefaults.NO_PATH_RETRY_COUNT * FailoverDefaults.POLLING_INTERVAL_SECONDS;
  /** How long I/O blocks at most before it fails once every path is gone: noticing the loss, then the queueing. */
  static final long WORST_BLOCK_SECONDS = FailoverDefaults.worstBlockSeconds(FailoverDefaults.NOOP_OUT_INTERVAL_SECONDS,
      FailoverDefaults.NOOP_OUT_TIMEOUT_SECONDS, FailoverDefaults.REPLACEMENT_TIMEOUT_SECONDS,
      FailoverDefaults.NO_PATH_RETRY_COUNT, FailoverDefaults.POLLING_INTERVAL_SECONDS);
  /**
   * The longest outage: longer than the queueing, and than o2cb's dead time ((17 - 1) x 2 s) of the same test on
   * o2cb. The links come back earlier once node1 is down and fenced, as SafetyScenariosTest's do once o2cb fenced it.
   */
  static final Duration OUTAGE = Duration.ofSeconds(45);
  /** Longer than o2cb's dead time, where o2cb fences every node that mounts the volume, and than the queueing. */
  static final Duration IDLE_OUTAGE = Duration.ofSeconds(40);
  /** After the links came back: how long to wait for node1 to go down and be fenced, if it has not yet. */
  static final Duration SETTLE = Duration.ofSeconds(60);

  /** node1's kernel messages that mark the outage's course, as its serial console prints them. */
  static final Map<String, String> MARKERS = markers();

  private static Map<String, String> markers() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("path_io_error", "I/O error, dev sd");
    m.put("map_io_error", "I/O error, dev dm-");
    m.put("journal_aborted", "Aborting journal");
    m.put("ocfs2_error", "OCFS2: (device");
    m.put("panic", "Kernel panic");
    return m;
  }

  private final PluginBed bed;
  private final Report report;
  private final UserStackFencingScenario stack;

  UserStackSanOutageScenario(PluginBed bed, Report report, UserStackFencingScenario stack) {
    this.bed = bed;
    this.report = report;
    this.stack = stack;
  }

  /** What was seen during the outage, in seconds since the cut (host clock, 0.5 s polls); null: not seen. */
  static final class Seen {
    final Map<String, Double> markers = new LinkedHashMap<>();
    Double node1Down;
    Double keyGone;
    double restoredAfter;
  }

  void outage() throws IOException {
    String mount = stack.mount();
    for (String n : List.of(N1, N2)) {
      // Every kernel message on the serial console: node1's are read from its console.log on the host.
      bed.run(n, CMD, "dmesg", "-n", "8");
    }
    long console1 = Files.size(bed.bed().consoleLog(N1));
    long console2 = Files.size(bed.bed().consoleLog(N2));
    GuestIo.Writer w1 = GuestIo.startWriter(bed, N1, "san-outage-1", mount + "/san-outage-node1", 400);
    GuestIo.Writer w2 = GuestIo.startWriter(bed, N2, "san-outage-2", mount + "/san-outage-node2", 400);
    Poll.sleep(Duration.ofSeconds(3));
    double cutAt1 = GuestIo.guestClock(bed, N1);
    double cutAt2 = GuestIo.guestClock(bed, N2);
    long cut = System.nanoTime();
    Seen seen = cutNode1(cut, console1, OUTAGE, SETTLE);
    double restoredAfter = seen.restoredAfter;
    Poll.sleep(Duration.ofSeconds(5));
    boolean node1Running = bed.bed().guestRunning(N1);

    boolean node2Running = bed.bed().guestRunning(N2);
    GuestIo.Result r2 = node2Running ? w2.stop(Duration.ofMinutes(3)) : w2.result();
    GuestIo.Result r1 = node1Running ? w1.stop(Duration.ofMinutes(3)) : w1.result();
    List<GuestIo.Write> node1Failed = r1.writes().stream().filter(x -> x.exitCode() != 0).toList();
    Double node1FirstFailedAfter = node1Failed.isEmpty() ? null : Report.round(node1Failed.get(0).end() - cutAt1);
    double node1LastOkAfter = r1.writes().stream().filter(x -> x.exitCode() == 0)
        .mapToDouble(GuestIo.Write::end).max().orElse(cutAt1) - cutAt1;
    List<GuestIo.Write> node2AfterCut = r2.after(cutAt2);
    String agentLog = node2Running ? bed.exec(N2, CMD, "cat", "/var/log/ocfs2-iscsi-fence.log").stdout() : "";
    String victim = "node " + stack.byHand.nodeId(N1) + ": ";
    Double agentDoneAfter = agentLog.lines().filter(l -> l.contains(victim) && l.contains("map(s), exit 0"))
        .map(l -> UserStackFencingScenario.agentTime(l, "exit 0") - cutAt2).filter(x -> x > 0).findFirst()
        .map(Report::round).orElse(null);
    String keys = node2Running ? bed.run(N2, CMD, "mpathpersist", "-i", "-k", stack.map()) : "";
    String console = since(N1, console1);
    String survivorConsole = since(N2, console2);
    report.put(S, "node2_running_after", node2Running);

    report.put(S, "queueing_seconds", QUEUEING_SECONDS);
    report.put(S, "worst_block_seconds", WORST_BLOCK_SECONDS);
    report.put(S, "outage_seconds", Report.round(restoredAfter));
    report.put(S, "node1_writes", r1.writes().size());
    report.put(S, "node1_failed_writes", node1Failed.size());
    report.put(S, "node1_last_acknowledged_write_after_cut_seconds", Report.round(node1LastOkAfter));
    report.put(S, "node1_first_failed_write_after_cut_seconds", node1FirstFailedAfter);
    report.put(S, "node1_write_errors", firstErrors(w1));
    seen.markers.forEach((k, v) -> report.put(S, "node1_console_" + k + "_after_cut_seconds", v));
    report.put(S, "node1_down_after_cut_seconds", seen.node1Down);
    report.put(S, "node1_running_after", node1Running);
    report.put(S, "node1_console", relevant(console));
    report.put(S, "node1_key_gone_after_cut_seconds", seen.keyGone);
    report.put(S, "fence_agent_done_after_cut_seconds", agentDoneAfter);
    report.put(S, "fence_agent_log", agentLog.lines().filter(l -> l.contains("node " + stack.byHand.nodeId(N1)))
        .toList());
    report.put(S, "keys_after", keys.strip());
    report.put(S, "node2_writes", r2.writes().size());
    report.put(S, "node2_writes_after_cut", node2AfterCut.size());
    report.put(S, "node2_failed_writes", r2.failed());
    report.put(S, "node2_longest_write_seconds", Report.round(r2.longestWrite()));
    r2.writes().stream().filter(x -> x.seconds() == r2.longestWrite()).findFirst().ifPresent(x -> report.put(S,
        "node2_longest_write_started_after_cut_seconds", Report.round(x.start() - cutAt2)));
    report.put(S, "node2_console", relevant(survivorConsole));

    // Back to both nodes staged, whatever node1 did: a node1 that still runs is killed as a node that hangs would be.
    if (node1Running) {
      bed.bed().killNode(N1);
    }
    long t = System.nanoTime();
    Duration boot = bed.bed().bootNode(N1);
    report.put(S, "node1_boot_seconds", Report.round(boot.toNanos() / 1e9));
    TestBed.ExecResult raw = stack.rawWriteBeforeStage(N1);
    report.put(S, "node1_raw_write_before_stage", raw.exitCode() + " " + raw.stderr().strip());
    if (!node2Running) {
      // node2 went down too (its console says why): booted again as well.
      bed.bed().bootNode(N2);
      stack.rawWriteBeforeStage(N2);
    }
    stack.rejoin(node2Running ? List.of(N1) : List.of(N1, N2));
    report.put(S, "node1_boot_to_staged_seconds", secondsSince(t));
    TestBed.ExecResult after = bed.exec(N1, CMD, "dd", "if=/dev/zero", "of=" + mount + "/after-san-outage.bin",
        "bs=64k", "count=16", "conv=fsync", "status=none");
    report.put(S, "node1_write_after_restore", after.exitCode() + " " + after.stderr().strip());
    String node2Files = bed.run(N1, CMD, "bash", "-c", "ls \"$1\" | wc -l", "count", mount + "/san-outage-node2")
        .strip();

    SoftAssertions.assertSoftly(s -> {
      s.assertThat(node1FirstFailedAfter).as("node1's writes fail, but not before the map's queueing ran out (log %s)",
          w1.log()).isNotNull().isGreaterThanOrEqualTo(QUEUEING_SECONDS - 3.0);
      s.assertThat(node1FirstFailedAfter).as("node1's first failed write: once I/O blocked its longest")
          .isLessThanOrEqualTo(WORST_BLOCK_SECONDS + 10.0);
      s.assertThat(console).as("node1's console: its journal aborted and OCFS2 panicked it")
          .contains("Aborting journal").contains("panic forced after error");
      s.assertThat(seen.node1Down).as("node1 went down (console %s)", bed.bed().consoleLog(N1)).isNotNull();
      s.assertThat(seen.keyGone).as("node2 fenced node1: its key is gone (%s)", keys).isNotNull();
      // node1 stays a corosync member while only its SAN is gone: node2 fences it once its panic took it out.
      if (seen.keyGone != null && seen.node1Down != null) {
        s.assertThat(seen.keyGone).as("node1's key gone only after node1 went down").isGreaterThan(seen.node1Down);
      }
      s.assertThat(keys).contains(stack.key(N2)).doesNotContain(stack.key(N1));
      s.assertThat(agentDoneAfter).as("node2's fence agent fenced node1: %s", agentLog).isNotNull();
      s.assertThat(node2Running).as("node2 kept running (console %s)", bed.bed().consoleLog(N2)).isTrue();
      s.assertThat(r2.failed()).as("failed writes on node2 (log %s)", w2.log()).isZero();
      s.assertThat(node2AfterCut).as("node2 wrote on after the cut (log %s)", w2.log()).hasSizeGreaterThan(10);
      s.assertThat(raw.stderr()).as("node1 booted again cannot write to the LUN before it stages: %s", raw)
          .contains("Invalid exchange");
      s.assertThat(after.exitCode()).as("node1 writes once staged again: %s", after).isZero();
      s.assertThat(Integer.parseInt(node2Files)).as("node2's files seen on node1")
          .isEqualTo((int) r2.writes().stream().filter(x -> x.exitCode() == 0).count());
    });
  }

  /**
   * The same outage while node1 only mounts the volume (it wrote nothing since it staged) and node2 writes: the user
   * stack has no disk heartbeat, so no deadline: node1 must wait for its paths, unfenced, and write again (the
   * {@code idle_} keys).
   */
  void outageOfAnIdleNode() throws IOException {
    String mount = stack.mount();
    for (String n : List.of(N1, N2)) {
      bed.run(n, CMD, "dmesg", "-n", "8");
      bed.run(n, CMD, "sync");
    }
    long console1 = Files.size(bed.bed().consoleLog(N1));
    long console2 = Files.size(bed.bed().consoleLog(N2));
    GuestIo.Writer w2 = GuestIo.startWriter(bed, N2, "san-outage-idle-2", mount + "/san-outage-idle-node2", 400);
    Poll.sleep(Duration.ofSeconds(3));
    double cutAt2 = GuestIo.guestClock(bed, N2);
    long cut = System.nanoTime();
    Seen seen = cutNode1(cut, console1, IDLE_OUTAGE, Duration.ofSeconds(10));
    boolean node1Running = bed.bed().guestRunning(N1);
    String alias = stack.vol.getMultipath().getAlias();
    boolean pathsBack = node1Running && Poll.waitFor(Duration.ofSeconds(60), Duration.ofSeconds(1),
        () -> NodePluginScenariosTest.activePaths(bed.run(N1, CMD, "multipath", "-ll", alias)) == 2);
    Double pathsBackAfter = pathsBack ? secondsSince(cut) : null;
    TestBed.ExecResult write = node1Running ? bed.exec(N1, CMD, "dd", "if=/dev/zero", "of=" + mount
        + "/after-idle-outage.bin", "bs=64k", "count=16", "conv=fsync", "status=none") : null;
    boolean node2Running = bed.bed().guestRunning(N2);
    GuestIo.Result r2 = node2Running ? w2.stop(Duration.ofMinutes(3)) : w2.result();
    String console = since(N1, console1);
    String keys = node2Running ? bed.run(N2, CMD, "mpathpersist", "-i", "-k", stack.map()) : "";
    report.put(S, "idle_node2_running_after", node2Running);

    String p = "idle_";
    report.put(S, p + "outage_seconds", Report.round(seen.restoredAfter));
    seen.markers.forEach((k, v) -> report.put(S, p + "node1_console_" + k + "_after_cut_seconds", v));
    report.put(S, p + "node1_down_after_cut_seconds", seen.node1Down);
    report.put(S, p + "node1_key_gone_after_cut_seconds", seen.keyGone);
    report.put(S, p + "node1_running_after", node1Running);
    report.put(S, p + "node1_paths_back_after_cut_seconds", pathsBackAfter);
    report.put(S, p + "node1_write_after", write == null ? null : write.exitCode() + " " + write.stderr().strip());
    report.put(S, p + "node1_console", relevant(console));
    report.put(S, p + "keys_after", keys.strip());
    report.put(S, p + "node2_writes_after_cut", r2.after(cutAt2).size());
    report.put(S, p + "node2_failed_writes", r2.failed());
    report.put(S, p + "node2_longest_write_seconds", Report.round(r2.longestWrite()));
    report.put(S, p + "node2_console", relevant(since(N2, console2)));
    List<String> down = List.of(N1, N2).stream().filter(n -> !bed.bed().guestRunning(n)).toList();
    for (String n : down) {
      bed.bed().bootNode(n);
      stack.rawWriteBeforeStage(n);
    }
    if (!down.isEmpty()) {
      stack.rejoin(down);
    }

    SoftAssertions.assertSoftly(s -> {
      // No disk heartbeat and nothing of node1's to write: node1 waits for its paths, unfenced, and goes on.
      s.assertThat(node1Running).as("node1 kept running (console %s)", bed.bed().consoleLog(N1)).isTrue();
      s.assertThat(console).as("node1's console").doesNotContain("Aborting journal").doesNotContain("Kernel panic");
      s.assertThat(seen.keyGone).as("node1 not fenced (%s)", keys).isNull();
      s.assertThat(write).as("node1 writes once its paths are back").isNotNull()
          .satisfies(w -> assertThat(w.exitCode()).as("%s", w).isZero());
      s.assertThat(node2Running).as("node2 kept running (console %s)", bed.bed().consoleLog(N2)).isTrue();
      s.assertThat(r2.failed()).as("failed writes on node2 (log %s)", w2.log()).isZero();
      s.assertThat(r2.after(cutAt2)).as("node2 wrote on after the cut (log %s)", w2.log()).hasSizeGreaterThan(10);
    });
  }

  /**
   * Cuts both SAN links of node1 and watches until node1 is down and fenced, or for {@code longest}; the links come
   * back then, and it watches on for {@code settle} (node1 may go down, and be fenced, only after that).
   */
  private Seen cutNode1(long cut, long console1, Duration longest, Duration settle) throws IOException {
    bed.bed().fault("link-down", N1, "a");
    bed.bed().fault("link-down", N1, "b");
    Seen seen = new Seen();
    try {
      watch(seen, cut, console1, longest.toNanos());
    } finally {
      bed.bed().fault("link-up", N1, "a");
      bed.bed().fault("link-up", N1, "b");
    }
    seen.restoredAfter = secondsSince(cut);
    watch(seen, cut, console1, longest.plus(settle).toNanos());
    return seen;
  }

  /** Polls every 0.5 s until {@code untilNanos} after the cut, recording what it sees first. */
  private void watch(Seen seen, long cut, long console1, long untilNanos) throws IOException {
    while (System.nanoTime() - cut < untilNanos && !(seen.node1Down != null && seen.keyGone != null)) {
      String console = since(N1, console1);
      for (Map.Entry<String, String> m : MARKERS.entrySet()) {
        if (!seen.markers.containsKey(m.getKey()) && console.contains(m.getValue())) {
          seen.markers.put(m.getKey(), secondsSince(cut));
        }
      }
      if (seen.node1Down == null && !bed.bed().guestRunning(N1)) {
        seen.node1Down = secondsSince(cut);
      }
      if (seen.keyGone == null) {
        TestBed.ExecResult k = bed.exec(N2, Duration.ofSeconds(10), "mpathpersist", "-i", "-k", stack.map());
        if (k.exitCode() == 0 && k.stdout().contains("registered reservation key")
            && !k.stdout().contains(stack.key(N1))) {
          seen.keyGone = secondsSince(cut);
        }
      }
      Poll.sleep(Duration.ofMillis(500));
    }
  }

  /** The first lines of a writer's errors (dd's stderr; its file is on the host). */
  private static String firstErrors(GuestIo.Writer w) throws IOException {
    java.nio.file.Path err = java.nio.file.Path.of(w.log() + ".err");
    String text = Files.exists(err) ? Files.readString(err, StandardCharsets.UTF_8) : "";
    return String.join("\n", text.lines().limit(3).toList());
  }

  /** The lines of a kernel log that tell the outage's course (I/O errors are many: the first three). */
  static List<String> relevant(String log) {
    List<String> io = log.lines().filter(l -> l.contains("I/O error")).limit(3).toList();
    List<String> rest = log.lines().filter(l -> !l.contains("I/O error")
        && l.matches("(?i).*(ocfs2|jbd2|dlm|journal|panic|recover|fenc|reservation|corosync|multipath|device-mapper).*"))
        .limit(60).toList();
    return java.util.stream.Stream.concat(io.stream(), rest.stream()).toList();
  }

  /** What {@code node}'s serial console logged after byte {@code offset}. */
  String since(String node, long offset) throws IOException {
    byte[] all = Files.readAllBytes(bed.bed().consoleLog(node));
    int from = (int) Math.min(offset, all.length);
    return new String(all, from, all.length - from, StandardCharsets.UTF_8);
  }

  static double secondsSince(long nanos) {
    return Report.round((System.nanoTime() - nanos) / 1e9);
  }
}
