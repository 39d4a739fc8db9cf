package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import csi.v1.NodeGetVolumeStatsResponse;
import csi.v1.VolumeUsage;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.agent.v1.ExpandVolumeResponse;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.PathHealth;
import io.ocfs2iscsi.agent.v1.SessionHealth;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * The node plugin's scenarios on real kernels: one test bed (two UML guests, tgtd with two portals
 * and a second target), the plugin jar running in both guests, this class playing kubelet and the operator. The
 * tests run in order on the same volume; each leaves the state the next one starts from. The numbers go to
 * e2e/target/e2e-report.json (printed at the end).
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class NodePluginScenariosTest {

  static final String N1 = "node1";
  static final String N2 = "node2";
  static final String POD1 = "pod-on-node1";
  static final String POD2 = "pod-on-node2";
  static final Duration CMD = Duration.ofSeconds(60);
  static final int BENCH_MIB = 128;
  static final int BENCH_RUNS = 5;

  final VolumeSpec vol = ReferenceVolume.volume();
  final VolumeSpec vol2 = ReferenceVolume.volume2();
  final Report report = Report.shared();
  PluginBed bed;
  Kubelet kubelet;
  long suiteStart;

  @BeforeAll
  void startBed() {
    suiteStart = System.nanoTime();
    long t0 = System.nanoTime();
    bed = PluginBed.start("512M");
    kubelet = new Kubelet(bed);
    report.put("testbed", "start_seconds", secondsSince(t0));
    report.put("testbed", "boot_seconds", bed.bed().bootSeconds());
    report.put("testbed", "run_dir", bed.bed().runDir().toString());
    report.put("testbed", "kernel", bed.bed().runEnv().getProperty("E2E_KERNEL", "?"));
    // The operator's first call: the o2cb cluster of both nodes, on both nodes.
    for (String n : bed.nodes()) {
      long t = System.nanoTime();
      ApplyClusterResponse r = bed.applyCluster(n, ReferenceVolume.cluster(bed.bed(), "1"));
      report.put("stage_steps_seconds", "apply_cluster_" + n, secondsSince(t));
      assertThat(r.getOnline()).as("o2cb online on %s after ApplyCluster (%s); %s", n, r.getPending(), diag(n))
          .isTrue();
      assertThat(r.getAppliedRevision()).isEqualTo("1");
    }
  }

  @AfterAll
  void stopBed() {
    try {
      if (bed != null) {
        try {
          recordPluginMemory("end");
        } catch (RuntimeException e) {
          report.put("plugin_memory", "end_error", e.getMessage());
        }
      }
      report.put("testbed", "suite_seconds", secondsSince(suiteStart));
      Path file = report.write(Report.defaultPath());
      System.out.println("e2e report " + file + ":\n" + report.json());
    } finally {
      if (bed != null) {
        bed.close();
        assertThat(bed.bed().tornDown()).as("launcher reported its teardown").isTrue();
      }
    }
  }

  // ---- scenario 2: format once; a foreign filesystem is refused and kept --------------------------------------------

  @Test
  @Order(2)
  void formatOnceAndRefuseForeignSignature() throws Exception {
    long t = System.nanoTime();
    FormatVolumeResponse first = bed.format(N1, vol);
    report.put("stage_steps_seconds", "format_volume_node1", secondsSince(t));
    assertThat(first.getOutcome()).as("%s; %s", first, diag(N1)).isEqualTo(FormatVolumeResponse.Outcome.FORMATTED);
    assertThat(first.getUuid()).isNotEmpty();
    assertThat(first.getWwid()).isEqualTo(ReferenceVolume.WWID);
    assertThat(first.getDevice()).isEqualTo("/dev/mapper/" + vol.getMultipath().getAlias());

    for (String n : List.of(N1, N2)) {
      FormatVolumeResponse again = bed.format(n, vol);
      assertThat(again.getOutcome()).as("FormatVolume again on %s: %s", n, again)
          .isEqualTo(FormatVolumeResponse.Outcome.EXISTING_OCFS2);
      assertThat(again.getUuid()).isEqualTo(first.getUuid());
      assertThat(again.getLabel()).isEqualTo("ISCSI");
    }
    // FormatVolume leaves no session behind where it made one (nothing is staged yet).
    for (String n : List.of(N1, N2)) {
      TestBed.ExecResult s = bed.exec(n, CMD, "iscsiadm", "-m", "session");
      assertThat(s.stdout()).as("sessions on %s after FormatVolume", n).doesNotContain("virtual.vg1");
    }

    // Target 2's LUN gets an ext4 filesystem with a file, made on the host (no initiator is logged in to it).
    Path lun2 = Path.of(bed.bed().runEnv().getProperty("E2E_LUN2_FILE"));
    Path content = Files.createTempDirectory(bed.bed().runDir(), "ext4-content-");
    byte[] data = ("data that must survive FormatVolume " + System.nanoTime() + "\n").repeat(1000)
        .getBytes(StandardCharsets.UTF_8);
    Files.write(content.resolve("keep.txt"), data);
    host(Duration.ofMinutes(2), "mkfs.ext4", "-q", "-F", "-L", "foreign", "-d", content.toString(), lun2.toString());
    String before = sha256(lun2);

    FormatVolumeResponse foreign = bed.format(N2, vol2);
    assertThat(foreign.getOutcome()).as("%s; %s", foreign, diag(N2))
        .isEqualTo(FormatVolumeResponse.Outcome.FOREIGN_SIGNATURE);
    assertThat(foreign.getFoundSignature()).contains("ext4");
    assertThat(sha256(lun2)).as("not one byte of the ext4 LUN changed").isEqualTo(before);
    String readBack = host(Duration.ofMinutes(1), "debugfs", "-R", "cat /keep.txt", lun2.toString());
    assertThat(readBack.getBytes(StandardCharsets.UTF_8)).as("the ext4 file is still readable").isEqualTo(data);
    assertThat(bed.exec(N2, CMD, "iscsiadm", "-m", "session").stdout()).doesNotContain(ReferenceVolume.TARGET2_IQN);
  }

  // ---- scenario 1: both nodes stage and publish ----------------------------------------------------------------

  @Test
  @Order(3)
  void twoNodesStageTheVolume() {
    for (String n : List.of(N1, N2)) {
      long logFrom = bed.pluginLogSize(n);
      long t = System.nanoTime();
      kubelet.stage(n, vol);
      report.put("stage_steps_seconds", "node_stage_" + n, secondsSince(t));
      recordStageCommands("first_stage_" + n, bed.pluginLogSince(n, logFrom));
      t = System.nanoTime();
      kubelet.publish(n, vol, pod(n));
      report.put("stage_steps_seconds", "node_publish_" + n, secondsSince(t));
    }
    report.section("stage_steps_seconds").putAll(StageLog.steps(bed.pluginLog(N1), "node1_"));
    report.section("stage_steps_seconds").putAll(StageLog.steps(bed.pluginLog(N2), "node2_"));
    recordPluginMemory("after_stage");
    for (String n : List.of(N1, N2)) {
      String sessions = bed.run(n, CMD, "iscsiadm", "-m", "session");
      assertThat(sessions.lines().filter(l -> l.contains("virtual.vg1")).toList())
          .as("two sessions on %s:%n%s", n, sessions).hasSize(2)
          .anyMatch(l -> l.contains("192.168.0.180:3260")).anyMatch(l -> l.contains("10.20.1.180:3260"));
      String ll = bed.run(n, CMD, "multipath", "-ll", vol.getMultipath().getAlias());
      assertThat(ll).as("multipath -ll on %s", n).startsWith("mylun (" + ReferenceVolume.WWID + ")");
      assertThat(activePaths(ll)).as("active paths on %s:%n%s", n, ll).isEqualTo(2);
      assertThat(bed.run(n, CMD, "o2cb", "cluster-status")).contains("online");
      assertThat(mountsOf(n)).as("mounts on %s", n)
          .anyMatch(l -> l.startsWith("/dev/mapper/mylun " + Kubelet.stagingPath(vol.getVolumeId()) + " ocfs2 "))
          .anyMatch(l -> l.contains(" " + Kubelet.publishPath(vol.getVolumeId(), pod(n)) + " ocfs2 "));
      GetVolumeHealthResponse h = bed.health(n, vol);
      assertThat(h.getStaged()).isTrue();
      assertThat(h.getMounted()).isTrue();
      assertThat(h.getMapPresent()).isTrue();
      assertThat(h.getWwid()).isEqualTo(ReferenceVolume.WWID);
      assertThat(h.getPathsList()).hasSize(2).allMatch(PathHealth::getUp);
      assertThat(h.getPublishCount()).isEqualTo(1);
      assertThat(h.getProblemsList()).isEmpty();
    }
    String mounted = bed.run(N1, CMD, "mounted.ocfs2", "-f");
    assertThat(mounted.lines().filter(l -> l.startsWith("/dev/mapper/mylun")).findFirst())
        .as("mounted.ocfs2 -f:%n%s", mounted).hasValueSatisfying(l -> assertThat(l).contains("node1", "node2"));
    effectiveTimeoutsEqualTheSpec();
  }

  /** What the kernel and multipathd apply, read back by the node agent, is what the volume asks for. */
  private void effectiveTimeoutsEqualTheSpec() {
    IscsiTarget t = vol.getTarget();
    for (String n : List.of(N1, N2)) {
      GetVolumeHealthResponse h = bed.health(n, vol);
      String seen = bed.run(n, CMD, "bash", "-c", "grep -H . /sys/class/iscsi_session/session*/recovery_tmo"
          + " /sys/class/iscsi_connection/connection*/recv_tmo /sys/class/iscsi_connection/connection*/ping_tmo;"
          + " multipathd show maps format '%n|%Q'");
      report.put("effective_timeouts", n + "_sysfs_and_multipathd", seen);
      report.put("effective_timeouts", n + "_recovery_tmo",
          h.getSessionsList().stream().map(SessionHealth::getRecoveryTimeoutSeconds).toList());
      report.put("effective_timeouts", n + "_no_path_retry", h.getNoPathRetry());
      assertThat(h.getSessionsList()).as("sessions' timeouts on %s (sysfs and multipathd:%n%s)", n, seen).hasSize(2)
          .allSatisfy(s -> {
            assertThat(s.getRecoveryTimeoutSeconds()).as("recovery_tmo").isEqualTo(t.getReplacementTimeoutSeconds());
            assertThat(s.getNoopOutIntervalSeconds()).as("recv_tmo").isEqualTo(t.getNoopOutIntervalSeconds());
            assertThat(s.getNoopOutTimeoutSeconds()).as("ping_tmo").isEqualTo(t.getNoopOutTimeoutSeconds());
          });
      assertThat(h.getNoPathRetry()).as("no_path_retry on %s (%s)", n, seen)
          .isEqualTo(vol.getMultipath().getNoPathRetry());
      assertThat(h.getQueueIfNoPath()).as("queue_if_no_path on %s", n).isTrue();
    }
  }

  // ---- scenario 3: shared data ------------------------------------------------------------------------------------

  @Test
  @Order(4)
  void sharedDataByteForByteAndConcurrentAppends() throws Exception {
    String f1 = Kubelet.publishPath(vol.getVolumeId(), POD1) + "/shared.bin";
    String f2 = Kubelet.publishPath(vol.getVolumeId(), POD2) + "/shared.bin";
    long t = System.nanoTime();
    bed.run(N1, CMD, "dd", "if=/dev/urandom", "of=" + f1, "bs=1M", "count=16", "conv=fsync", "status=none");
    report.put("shared_data", "write_16mib_node1_seconds", secondsSince(t));
    String sum1 = bed.run(N1, CMD, "sha256sum", f1).split(" ")[0];
    t = System.nanoTime();
    String sum2 = bed.run(N2, CMD, "sha256sum", f2).split(" ")[0];
    report.put("shared_data", "read_16mib_node2_seconds", secondsSince(t));
    assertThat(sum2).as("node2 reads what node1 wrote").isEqualTo(sum1).matches("[0-9a-f]{64}");

    // Both nodes append to one file at the same time, released together by a barrier. Two ways that OCFS2 keeps
    // safe across nodes, both must lose nothing: O_DIRECT appends (the kernel takes the cluster inode lock before
    // it computes the append position) and buffered appends under flock (cluster-wide through the DLM).
    Map<String, String> ways = new java.util.LinkedHashMap<>();
    ways.put("direct", "printf '%-511s\\n' \"$3 $i\" | dd of=\"$1\" bs=512 count=1 oflag=direct,append conv=notrunc"
        + " status=none");
    ways.put("flock", "flock \"$1\" bash -c 'echo \"$2\" >>\"$1\"' append \"$1\" \"$3 $i\"");
    for (Map.Entry<String, String> way : ways.entrySet()) {
      String name = "appends-" + way.getKey() + ".txt";
      double seconds = concurrentAppends(name, way.getValue(), APPENDS);
      report.put("shared_data", "concurrent_appends_" + way.getKey(), 2 * APPENDS);
      report.put("shared_data", "concurrent_appends_" + way.getKey() + "_seconds", seconds);
      for (String n : List.of(N1, N2)) {
        List<String> got = appendedLines(n, name);
        assertThat(got).as("%s appends seen on %s", way.getKey(), n).hasSize(2 * APPENDS).doesNotHaveDuplicates();
        for (String writer : List.of(N1, N2)) {
          for (int i = 1; i <= APPENDS; i++) {
            assertThat(got).as("%s appends seen on %s", way.getKey(), n).contains(writer + " " + i);
          }
        }
      }
    }
    // Measured, not asserted: plain buffered O_APPEND from both nodes at once is NOT safe on OCFS2 (Linux 6.1
    // computes the append position from a cached i_size before it takes the cluster inode lock); in a trial of
    // 2 x 150 appends, 90 lines were lost. Applications that append to one file from several nodes need flock or O_DIRECT.
    concurrentAppends("appends-plain.txt", "echo \"$3 $i\" >>\"$1\"", APPENDS);
    report.put("shared_data", "plain_buffered_appends_lost_unsafe_without_flock",
        2 * APPENDS - appendedLines(N1, "appends-plain.txt").stream().filter(l -> l.matches("node[12] [0-9]+"))
            .distinct().count());
  }

  static final int APPENDS = 100;

  /**
   * Runs {@code body} ({@code $1} the file, {@code $3} the node name, {@code $i} the append number) {@code count}
   * times on each node at the same time: both scripts wait at a barrier (a file in their /ctl) until both are
   * ready. Returns the seconds from the release to the end of both.
   */
  double concurrentAppends(String name, String body, int count) throws Exception {
    String script = "touch /ctl/ready-$3; while [[ ! -e /ctl/go-$3 ]]; do sleep 0.01; done;"
        + " for ((i = 1; i <= $2; i++)); do " + body + " || exit 1; done";
    for (String n : List.of(N1, N2)) {
      Files.deleteIfExists(bed.bed().ctlDir(n).resolve("ready-" + n));
      Files.deleteIfExists(bed.bed().ctlDir(n).resolve("go-" + n));
    }
    bed.run(N1, CMD, "touch", Kubelet.publishPath(vol.getVolumeId(), POD1) + "/" + name);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<TestBed.ExecResult>> runs = new java.util.ArrayList<>();
      for (String n : List.of(N1, N2)) {
        String file = Kubelet.publishPath(vol.getVolumeId(), pod(n)) + "/" + name;
        runs.add(pool.submit(() -> bed.exec(n, Duration.ofMinutes(4), "bash", "-c", script, "append", file,
            Integer.toString(count), n)));
      }
      boolean ready = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(20),
          () -> List.of(N1, N2).stream().allMatch(n -> Files.exists(bed.bed().ctlDir(n).resolve("ready-" + n))));
      assertThat(ready).as("both appenders at the barrier").isTrue();
      long t = System.nanoTime();
      for (String n : List.of(N1, N2)) {
        Files.writeString(bed.bed().ctlDir(n).resolve("go-" + n), "go\n");
      }
      for (Future<TestBed.ExecResult> r : runs) {
        r.get(5, TimeUnit.MINUTES).requireSuccess();
      }
      return secondsSince(t);
    } finally {
      pool.shutdownNow();
    }
  }

  /** The lines of an append file as {@code node} reads it (records trimmed of their padding). */
  List<String> appendedLines(String node, String name) {
    String text = bed.run(node, CMD, "cat", Kubelet.publishPath(vol.getVolumeId(), pod(node)) + "/" + name);
    return text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
  }

  // ---- scenario 3b: which locks reach the other node ---------------------------------------------------------------

  /**
   * A lock probe in Perl (perl-base is in every Debian root): {@code $ARGV[0]} flock (flock(2)) or fcntl (a POSIX
   * write lock, F_SETLK: what lockf, SQLite and Java's FileChannel.lock take), {@code $ARGV[1]} the file,
   * {@code $ARGV[2]} seconds to hold it. Exit 0 when it got the lock, 1 when another holder has it.
   */
  static final String LOCK_PROBE = "use Fcntl qw(:DEFAULT :flock); open(my $f, '+<', $ARGV[1]) or die \"open: $!\\n\";"
      + " my $ok = $ARGV[0] eq 'flock' ? flock($f, LOCK_EX | LOCK_NB)"
      + " : fcntl($f, F_SETLK, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0));"
      + " if (!$ok) { print \"busy: $!\\n\"; exit 1 } print \"locked\\n\"; sleep($ARGV[2]); exit 0";

  /**
   * What applications can rely on across nodes (the README's guarantees table): flock is cluster-wide on OCFS2 (the
   * DLM carries it), POSIX fcntl locks are only node-local with the o2cb stack (OCFS2 has no cluster plock without a
   * user-space stack). The second half documents today's behaviour: when it fails, POSIX locks reach the other node
   * and the README must say so.
   */
  @Test
  @Order(5)
  void flockIsClusterWideAndPosixLocksAreNodeLocal() {
    String name = "locks.txt";
    bed.run(N1, CMD, "touch", Kubelet.publishPath(vol.getVolumeId(), POD1) + "/" + name);
    for (String kind : List.of("flock", "fcntl")) {
      int holder = bed.bed().spawn(N1, "perl", "-e", LOCK_PROBE, kind, file(N1, name), "300");
      try {
        boolean held = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500),
            () -> tryLock(N1, kind, name).exitCode() == 1);
        assertThat(held).as("%s: a second process on node1 is refused while the holder runs; %s", kind, diag(N1))
            .isTrue();
        TestBed.ExecResult other = tryLock(N2, kind, name);
        report.put("lock_semantics", kind + "_refused_on_other_node", other.exitCode() == 1);
        if (kind.equals("flock")) {
          assertThat(other.exitCode()).as("flock held on node1 is seen on node2 (cluster-wide): %s %s",
              other.stdout(), other.stderr()).isEqualTo(1);
        } else {
          assertThat(other.exitCode()).as("a POSIX lock held on node1 is not seen on node2 with the o2cb stack"
              + " (node-local); if node2 is refused now, POSIX locks became cluster-wide: update the README. %s %s",
              other.stdout(), other.stderr()).isEqualTo(0);
        }
      } finally {
        bed.exec(N1, CMD, "kill", Integer.toString(holder));
      }
      boolean released = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500),
          () -> tryLock(N2, kind, name).exitCode() == 0);
      assertThat(released).as("%s released on node1 is free on node2", kind).isTrue();
    }
  }

  String file(String node, String name) {
    return Kubelet.publishPath(vol.getVolumeId(), pod(node)) + "/" + name;
  }

  TestBed.ExecResult tryLock(String node, String kind, String name) {
    return bed.exec(node, CMD, "perl", "-e", LOCK_PROBE, kind, file(node, name), "0");
  }

  // ---- benchmark: one raw path vs OCFS2 over the multipath map, in one window --------------------------------------

  /**
   * dd with O_DIRECT on node1: the bare SCSI disk of one session to target 2 (portal A only) against a file on the
   * OCFS2 mount over the two-path map of target 1. Both LUNs are files on the same host disk behind the same tgtd.
   * The runs alternate (raw, OCFS2, raw, ...) so that the noise of a shared 2-core host hits both alike; the medians
   * and their ratio go to the report. The issue's goal (OCFS2 >= 90% of raw) is reported, not asserted.
   */
  @Test
  @Order(6)
  void throughputRawSinglePathVsOcfs2OverMultipath() {
    String portal = "192.168.0.180:3260";
    // A node record for target 2 on portal A only (no discovery: it would rewrite target 1's records too).
    bed.run(N1, CMD, "iscsiadm", "-m", "node", "-o", "new", "-T", ReferenceVolume.TARGET2_IQN, "-p", portal);
    // (exit 15, "session already present", is fine: iscsiadm may try the new record twice; the session counts.)
    TestBed.ExecResult login =
        bed.exec(N1, CMD, "iscsiadm", "-m", "node", "-T", ReferenceVolume.TARGET2_IQN, "-p", portal, "--login");
    assertThat(login.exitCode()).as("login to target 2: %s %s", login.stdout(), login.stderr()).isIn(0, 15);
    String file = Kubelet.publishPath(vol.getVolumeId(), POD1) + "/bench.bin";
    try {
      String byPath = "/dev/disk/by-path/ip-" + portal + "-iscsi-" + ReferenceVolume.TARGET2_IQN + "-lun-1";
      boolean appeared = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(500),
          () -> bed.exec(N1, CMD, "test", "-b", byPath).exitCode() == 0);
      assertThat(appeared).as("%s appeared; %s", byPath, diag(N1)).isTrue();
      String dev = bed.run(N1, CMD, "readlink", "-f", byPath).trim();
      assertThat(dev).matches("/dev/sd[a-z]+");
      assertThat(bed.run(N1, CMD, "iscsiadm", "-m", "session").lines()
          .filter(l -> l.contains(ReferenceVolume.TARGET2_IQN))).as("one session to target 2").hasSize(1);
      assertThat(bed.run(N1, CMD, "multipath", "-ll", "mylun")).as("the raw disk is not a path of mylun")
          .doesNotContain(" " + dev.substring("/dev/".length()) + " ");
      List<Double> rawW = new java.util.ArrayList<>();
      List<Double> rawR = new java.util.ArrayList<>();
      List<Double> fsW = new java.util.ArrayList<>();
      List<Double> fsR = new java.util.ArrayList<>();
      for (int i = 0; i < BENCH_RUNS; i++) {
        rawW.add(GuestIo.dd(bed, N1, dev, true, BENCH_MIB));
        fsW.add(GuestIo.dd(bed, N1, file, true, BENCH_MIB));
        rawR.add(GuestIo.dd(bed, N1, dev, false, BENCH_MIB));
        fsR.add(GuestIo.dd(bed, N1, file, false, BENCH_MIB));
      }
      double w = GuestIo.median(rawW);
      double r = GuestIo.median(rawR);
      double fw = GuestIo.median(fsW);
      double fr = GuestIo.median(fsR);
      report.put("throughput", "method", "dd bs=1M count=" + BENCH_MIB + " oflag=direct conv=fsync (write),"
          + " iflag=direct (read); raw and OCFS2 runs alternate; median of " + BENCH_RUNS);
      report.put("throughput", "raw_single_path_device", dev + " (target 2 through portal A only)");
      report.put("throughput", "ocfs2_file", file + " (/dev/mapper/mylun, 2 paths)");
      report.put("throughput", "raw_write_runs_mb_s", rounded(rawW));
      report.put("throughput", "ocfs2_multipath_write_runs_mb_s", rounded(fsW));
      report.put("throughput", "raw_read_runs_mb_s", rounded(rawR));
      report.put("throughput", "ocfs2_multipath_read_runs_mb_s", rounded(fsR));
      report.put("throughput", "raw_write_mb_s", Report.round(w));
      report.put("throughput", "ocfs2_multipath_write_mb_s", Report.round(fw));
      report.put("throughput", "raw_read_mb_s", Report.round(r));
      report.put("throughput", "ocfs2_multipath_read_mb_s", Report.round(fr));
      report.put("throughput", "write_ratio", Report.round(fw / w));
      report.put("throughput", "read_ratio", Report.round(fr / r));
      report.put("throughput", "goal_ratio", 0.9);
      report.put("throughput", "goal_met", fw / w >= 0.9 && fr / r >= 0.9);
      assertThat(List.of(w, r, fw, fr)).allMatch(x -> x > 0);
    } finally {
      // Leave no trace: the file, target 2's session, its map (any multipath map but mylun) and its node record.
      bed.exec(N1, CMD, "rm", "-f", file);
      bed.exec(N1, CMD, "iscsiadm", "-m", "node", "-T", ReferenceVolume.TARGET2_IQN, "-p", portal, "--logout");
      bed.exec(N1, CMD, "iscsiadm", "-m", "node", "-T", ReferenceVolume.TARGET2_IQN, "-o", "delete");
      bed.exec(N1, CMD, "bash", "-c", "for m in $(dmsetup ls --target multipath | awk '{print $1}'); do"
          + " [[ $m == mylun ]] || multipath -f \"$m\"; done");
    }
    assertThat(bed.exec(N1, CMD, "iscsiadm", "-m", "session").stdout()).doesNotContain(ReferenceVolume.TARGET2_IQN);
    assertThat(bed.run(N1, CMD, "dmsetup", "ls", "--target", "multipath").strip()).startsWith("mylun")
        .doesNotContain("\n");
    assertThat(activePaths(bed.run(N1, CMD, "multipath", "-ll", "mylun"))).isEqualTo(2);
  }

  // ---- scenario 4: a SAN link of node1 down for 20 s under a writer ----------------------------------------------------

  @Test
  @Order(7)
  void pathFailureUnderLoad() {
    GuestIo.Writer w = GuestIo.startWriter(bed, N1, "pathfail",
        Kubelet.publishPath(vol.getVolumeId(), POD1) + "/pathfail", 200);
    Poll.sleep(Duration.ofSeconds(3));
    double cutAt = GuestIo.guestClock(bed, N1);
    long cut = System.nanoTime();
    bed.bed().fault("link-down", N1, "b");
    double restoredAt;
    try {
      boolean seen = Poll.waitFor(Duration.ofSeconds(19), Duration.ofSeconds(1),
          () -> bed.health(N1, vol).getPathsList().stream().anyMatch(p -> !p.getUp()));
      report.put("path_failure", "failure_reported_after_seconds", seen ? secondsSince(cut) : null);
      assertThat(seen).as("GetVolumeHealth reports a failed path within 19 s; %s", diag(N1)).isTrue();
      GetVolumeHealthResponse down = bed.health(N1, vol);
      assertThat(down.getPathsList()).as("%s", down).hasSize(2).filteredOn(p -> !p.getUp()).hasSize(1);
      assertThat(down.getProblemsList()).isNotEmpty();
      NodeGetVolumeStatsResponse stats = kubelet.stats(N1, vol, POD1);
      assertThat(stats.getVolumeCondition().getAbnormal()).as("%s", stats.getVolumeCondition()).isTrue();
      String ll = bed.run(N1, CMD, "multipath", "-ll", "mylun");
      assertThat(activePaths(ll)).as("multipath -ll agrees:%n%s", ll).isEqualTo(1);
      assertThat(failedPaths(ll)).as("multipath -ll shows the failed path:%n%s", ll).isEqualTo(1);
      assertThat(bed.metrics(N1)).as("/metrics while the link is down")
          .contains("ocfs2iscsi_node_volume_paths_up{volume=\"" + vol.getVolumeId() + "\"} 1\n")
          .containsPattern("ocfs2iscsi_node_path_up\\{volume=\"" + vol.getVolumeId() + "\",[^}]*} 0\n");
      long remaining = Duration.ofSeconds(20).toNanos() - (System.nanoTime() - cut);
      if (remaining > 0) {
        Poll.sleep(Duration.ofNanos(remaining));
      }
    } finally {
      bed.bed().fault("link-up", N1, "b");
      restoredAt = GuestIo.guestClock(bed, N1);
    }
    long restored = System.nanoTime();
    report.put("path_failure", "link_down_seconds", secondsSince(cut));
    boolean back = Poll.waitFor(Duration.ofSeconds(90), Duration.ofSeconds(1),
        () -> bed.health(N1, vol).getPathsList().stream().filter(PathHealth::getUp).count() == 2);
    report.put("path_failure", "return_reported_after_seconds", back ? secondsSince(restored) : null);
    assertThat(back).as("GetVolumeHealth reports both paths up again within 90 s; %s", diag(N1)).isTrue();
    assertThat(bed.health(N1, vol).getProblemsList()).isEmpty();
    NodeGetVolumeStatsResponse stats = kubelet.stats(N1, vol, POD1);
    assertThat(stats.getVolumeCondition().getAbnormal()).as("%s", stats.getVolumeCondition()).isFalse();
    String ll = bed.run(N1, CMD, "multipath", "-ll", "mylun");
    assertThat(activePaths(ll)).as("multipath -ll agrees:%n%s", ll).isEqualTo(2);
    assertThat(bed.metrics(N1)).as("/metrics after the link returned")
        .contains("ocfs2iscsi_node_volume_paths_up{volume=\"" + vol.getVolumeId() + "\"} 2\n")
        .doesNotContainPattern("ocfs2iscsi_node_path_up\\{[^}]*} 0\n");
    Poll.sleep(Duration.ofSeconds(3));
    GuestIo.Result r = w.stop(Duration.ofMinutes(3));
    report.put("path_failure", "writes", r.writes().size());
    report.put("path_failure", "failed_writes", r.failed());
    report.put("path_failure", "longest_write_seconds", Report.round(r.longestWrite()));
    assertThat(r.failed()).as("failed writes (log %s)", w.log()).isZero();
    // ping detection (noop_out_interval + noop_out_timeout) plus recovery_tmo, with the product's defaults
    assertThat(r.longestWrite()).as("longest write while a path was lost (log %s)", w.log())
        .isLessThanOrEqualTo(8.0);
    // I/O went on over the remaining path: writes completed while the link was still down, and after it returned.
    long whileDown = r.writes().stream().filter(x -> x.end() > cutAt && x.end() < restoredAt).count();
    long afterReturn = r.writes().stream().filter(x -> x.start() > restoredAt).count();
    report.put("path_failure", "writes_completed_while_link_down", whileDown);
    assertThat(whileDown).as("writes completed while the link was down (log %s)", w.log()).isGreaterThanOrEqualTo(2);
    assertThat(afterReturn).as("writes after the link returned (log %s)", w.log()).isGreaterThanOrEqualTo(1);
    String count = bed.run(N2, CMD, "bash", "-c", "ls \"$1\" | wc -l", "count",
        Kubelet.publishPath(vol.getVolumeId(), POD2) + "/pathfail");
    assertThat(Integer.parseInt(count.trim())).as("node2 sees every file").isEqualTo(r.writes().size());
  }

  // ---- scenario 5: the target restarts under a writer ---------------------------------------------------------------

  @Test
  @Order(8)
  void targetRestartPausesAndResumesIo() {
    GuestIo.Writer w = GuestIo.startWriter(bed, N1, "target",
        Kubelet.publishPath(vol.getVolumeId(), POD1) + "/target", 200);
    Poll.sleep(Duration.ofSeconds(3));
    double killedAt = GuestIo.guestClock(bed, N1);
    long t = System.nanoTime();
    bed.bed().fault("target-restart", "10");
    double outage = secondsSince(t);
    report.put("target_restart", "target_down_seconds", outage);
    long started = System.nanoTime();
    boolean back = Poll.waitFor(Duration.ofSeconds(120), Duration.ofSeconds(1),
        () -> List.of(N1, N2).stream().allMatch(
            n -> bed.health(n, vol).getPathsList().stream().filter(PathHealth::getUp).count() == 2));
    report.put("target_restart", "all_paths_up_after_restart_seconds", back ? secondsSince(started) : null);
    assertThat(back).as("all paths up on both nodes within 120 s of the restart; %s", bed.diagnostics()).isTrue();
    Poll.sleep(Duration.ofSeconds(4));
    GuestIo.Result r = w.stop(Duration.ofMinutes(3));
    List<GuestIo.Write> during = r.after(killedAt);
    double pause = during.stream().mapToDouble(GuestIo.Write::seconds).max().orElse(0);
    report.put("target_restart", "writes", r.writes().size());
    report.put("target_restart", "failed_writes", r.failed());
    report.put("target_restart", "io_pause_seconds", Report.round(pause));
    report.put("target_restart", "io_pause_beyond_outage_seconds", Report.round(pause - outage));
    report.put("target_restart", "pause_within_outage_plus_3_seconds", pause <= outage + 3.0);
    assertThat(r.failed()).as("failed writes (log %s)", w.log()).isZero();
    // After the target is back: iscsid retries the login every 3 s (a fixed delay in open-iscsi), multipathd's 1 s
    // checker reinstates the path, and the write that waited completes (1 s): the goal, outage + 3 s, holds only
    // when the target returns just before a retry. One more second for a loaded host: 4.84 s beyond the outage was
    // measured with two test beds on the 2-core CI machine.
    assertThat(pause).as("pause against the %.1f s outage (kill, 10 s, start) (log %s)", outage, w.log())
        .isLessThanOrEqualTo(outage + 3.0 + 1.0 + 1.0 + 1.0);
    assertThat(pause).as("the writer saw the outage as a pause (log %s)", w.log()).isGreaterThan(2.0);
    assertThat(during.size()).as("writes after the restart (log %s)", w.log()).isGreaterThanOrEqualTo(3);
    for (String n : List.of(N1, N2)) {
      assertThat(bed.health(n, vol).getProblemsList()).as("health on %s", n).isEmpty();
      bed.run(n, CMD, "touch", Kubelet.publishPath(vol.getVolumeId(), pod(n)) + "/after-restart-" + n);
    }
  }

  // ---- scenario 6: the plugin restarts under a mounted volume -------------------------------------------------------

  @Test
  @Order(9)
  void pluginRestartKeepsTheMountAndKnowsTheVolume() {
    List<String> mountsBefore = mountsOf(N1);
    String sessionsBefore = bed.run(N1, CMD, "iscsiadm", "-m", "session");
    bed.killPlugin(N1);
    String file = Kubelet.publishPath(vol.getVolumeId(), POD1) + "/while-plugin-down";
    bed.run(N1, CMD, "dd", "if=/dev/zero", "of=" + file, "bs=64k", "count=4", "conv=fsync", "status=none");
    assertThat(mountsOf(N1)).as("mounts survive the plugin's death").isEqualTo(mountsBefore);
    long t = System.nanoTime();
    bed.spawnPlugin(N1);
    bed.awaitPlugin(N1);
    report.put("plugin_restart", "ready_after_seconds", secondsSince(t));
    NodeGetVolumeStatsResponse stats = kubelet.stats(N1, vol, POD1);
    VolumeUsage bytes = stats.getUsageList().stream().filter(u -> u.getUnit() == VolumeUsage.Unit.BYTES)
        .findFirst().orElseThrow();
    assertThat(bytes.getTotal()).isGreaterThan(1L << 30);
    assertThat(bytes.getUsed()).isPositive();
    assertThat(stats.getVolumeCondition().getAbnormal()).as("%s", stats.getVolumeCondition()).isFalse();
    GetVolumeHealthResponse h = bed.health(N1, vol);
    assertThat(h.getStaged()).isTrue();
    assertThat(h.getMounted()).isTrue();
    assertThat(h.getPublishCount()).isEqualTo(1);
    t = System.nanoTime();
    kubelet.stage(N1, vol);
    kubelet.publish(N1, vol, POD1);
    report.put("plugin_restart", "restage_noop_seconds", secondsSince(t));
    assertThat(mountsOf(N1)).as("NodeStage/NodePublish after the restart change no mount").isEqualTo(mountsBefore);
    assertThat(bed.run(N1, CMD, "iscsiadm", "-m", "session")).isEqualTo(sessionsBefore);
    assertThat(bed.run(N2, CMD, "ls", Kubelet.publishPath(vol.getVolumeId(), POD2))).contains("while-plugin-down");
  }

  // ---- scenario 7b: the SAN grows the LUN under the mounted, written filesystem; it grows online ---------------------

  static final long GIB = 1L << 30;

  @Test
  @Order(10)
  void lunGrownUnderTheMountedFilesystemGrowsOnlineOnBothNodes() throws Exception {
    String shared = "/shared.bin";
    String sumBefore = bed.run(N1, CMD, "sha256sum", Kubelet.publishPath(vol.getVolumeId(), POD1) + shared)
        .split(" ")[0];
    for (String n : List.of(N1, N2)) {
      assertThat(dfBytes(n)).as("filesystem size on %s before", n).isLessThanOrEqualTo(2 * GIB);
    }
    long availableBefore = dfAvailable(N2);
    GuestIo.Writer w1 = GuestIo.startWriter(bed, N1, "grow1", Kubelet.publishPath(vol.getVolumeId(), POD1)
        + "/grow1", 300);
    GuestIo.Writer w2 = GuestIo.startWriter(bed, N2, "grow2", Kubelet.publishPath(vol.getVolumeId(), POD2)
        + "/grow2", 300);
    long start = System.nanoTime();
    // The SAN administrator grows the LUN (tgt: a restart on the grown file, a short outage).
    bed.bed().fault("lun-grow", "3G");
    report.put("growth", "lun_grown_target_restart_seconds", secondsSince(start));
    long t = System.nanoTime();
    boolean back = Poll.waitFor(Duration.ofSeconds(120), Duration.ofSeconds(1),
        () -> List.of(N1, N2).stream().allMatch(
            n -> bed.health(n, vol).getPathsList().stream().filter(PathHealth::getUp).count() == 2));
    report.put("growth", "paths_up_after_seconds", secondsSince(t));
    assertThat(back).as("all paths up on both nodes after the target came back; %s", bed.diagnostics()).isTrue();
    double grownAt = GuestIo.guestClock(bed, N1);

    // What the operator does: every node that mounts it rescans and resizes its map; then one node grows it.
    for (String n : List.of(N1, N2)) {
      t = System.nanoTime();
      // As the operator does: ExpandVolume again (bounded) while the node's map is below the new size; a session
      // that is still recovering from the target's restart is not rescanned by the first call.
      ExpandVolumeResponse[] last = {null};
      Poll.waitFor(Duration.ofSeconds(60), Duration.ofSeconds(2), () -> {
        try {
          last[0] = bed.expand(n, vol, false);
        } catch (io.grpc.StatusRuntimeException e) {
          if (e.getStatus().getCode() != io.grpc.Status.Code.UNAVAILABLE) {
            throw e;
          }
          return false; // the paths still disagree on the size: the operator retries too
        }
        return last[0].getMapBytes() == 3 * GIB;
      });
      assertThat(last[0]).as("ExpandVolume on %s answered within 60 s; %s", n, diag(n)).isNotNull();
      ExpandVolumeResponse r = last[0];
      report.put("growth", "expand_map_" + n + "_seconds", secondsSince(t));
      assertThat(r.getStaged()).isTrue();
      assertThat(r.getMapBytes()).as("map on %s: %s; %s", n, r.getMessage(), diag(n)).isEqualTo(3 * GIB);
      assertThat(r.getPathBytesMap().values()).as("%s", r.getMessage()).hasSize(2).containsOnly(3 * GIB);
      assertThat(r.getFilesystemGrown()).isFalse();
      assertThat(r.getFilesystemBytes()).isLessThanOrEqualTo(2 * GIB);
    }
    t = System.nanoTime();
    ExpandVolumeResponse grown = bed.expand(N1, vol, true);
    report.put("growth", "grow_filesystem_node1_seconds", secondsSince(t));
    assertThat(grown.getFilesystemGrown()).isTrue();
    assertThat(grown.getFilesystemBytes()).as("%s; %s", grown.getMessage(), diag(N1)).isGreaterThan(2 * GIB);
    long grownBytes = grown.getFilesystemBytes();
    t = System.nanoTime();
    boolean seen = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500), () -> dfBytes(N2) == grownBytes);
    report.put("growth", "node2_df_new_size_after_seconds", secondsSince(t));
    assertThat(seen).as("df on node2 shows %s bytes (it shows %s)", grownBytes, dfBytes(N2)).isTrue();
    assertThat(dfBytes(N1)).isEqualTo(grownBytes);
    report.put("growth", "filesystem_bytes_before", 2 * GIB);
    report.put("growth", "filesystem_bytes_after", grownBytes);
    report.put("growth", "total_seconds", secondsSince(start));
    // A second grow changes nothing (tunefs.ocfs2 -S: already that size).
    assertThat(bed.expand(N2, vol, true).getFilesystemBytes()).isEqualTo(grownBytes);
    // The new space is usable from the other node: a file larger than all the space that was free before.
    String big = Kubelet.publishPath(vol.getVolumeId(), POD2) + "/beyond-the-old-size";
    bed.run(N2, CMD, "fallocate", "-l", Long.toString(availableBefore + 256 * (1L << 20)), big);
    bed.run(N2, CMD, "rm", big);

    Poll.sleep(Duration.ofSeconds(3));
    for (GuestIo.Writer w : List.of(w1, w2)) {
      GuestIo.Result r = w.stop(Duration.ofMinutes(2));
      report.put("growth", "writer_" + w.node() + "_failed_writes", r.failed());
      report.put("growth", "writer_" + w.node() + "_longest_write_seconds", Report.round(r.longestWrite()));
      assertThat(r.failed()).as("writer on %s (log %s)", w.node(), w.log()).isZero();
      assertThat(r.after(grownAt)).as("writes on %s after the growth (log %s)", w.node(), w.log()).isNotEmpty();
    }
    for (String n : List.of(N1, N2)) {
      assertThat(bed.run(n, CMD, "sha256sum", Kubelet.publishPath(vol.getVolumeId(), pod(n)) + shared)
          .split(" ")[0]).as("data written before the growth, read on %s", n).isEqualTo(sumBefore);
      assertThat(bed.health(n, vol).getProblemsList()).as("health on %s", n).isEmpty();
    }
    captureGrowthOutputs();
  }

  /** Size of the filesystem at the node's publish path, as df reports it (bytes). */
  long dfBytes(String node) {
    return df(node, "size");
  }

  long dfAvailable(String node) {
    return df(node, "avail");
  }

  long df(String node, String column) {
    String out = bed.run(node, CMD, "df", "-B1", "--output=" + column,
        Kubelet.publishPath(vol.getVolumeId(), pod(node)));
    return Long.parseLong(out.lines().skip(1).findFirst().orElseThrow().strip());
  }

  /**
   * The raw outputs of the growth's host commands on a real kernel, repeated by hand after the growth (the node
   * plugin's own runs are not recorded): e2e/target/growth-captured/, copied into e2e/guest/captured/.
   */
  void captureGrowthOutputs() throws IOException {
    Path dir = Path.of("target", "growth-captured");
    Files.createDirectories(dir);
    String sid = bed.run(N1, CMD, "iscsiadm", "-m", "session").lines().filter(l -> l.contains("virtual.vg1"))
        .findFirst().map(l -> l.replaceAll("^\\S+ \\[(\\d+)\\].*$", "$1")).orElseThrow();
    Map<String, String[]> commands = new java.util.LinkedHashMap<>();
    commands.put("iscsiadm-session-rescan", new String[] {"iscsiadm", "-m", "session", "-r", sid, "--rescan"});
    commands.put("multipathd-resize-map", new String[] {"multipathd", "resize", "map", "mylun"});
    commands.put("tunefs-ocfs2-S-same-size", new String[] {"tunefs.ocfs2", "-S", "/dev/mapper/mylun"});
    commands.put("multipath-ll-mylun-grown", new String[] {"multipath", "-ll", "mylun"});
    // Node slots: whether tunefs.ocfs2 can add them while the filesystem is mounted (measured, not asserted).
    commands.put("tunefs-ocfs2-Q-slots", new String[] {"tunefs.ocfs2", "-Q", "%N\\n", "/dev/mapper/mylun"});
    commands.put("tunefs-ocfs2-N-mounted", new String[] {"tunefs.ocfs2", "-N", "5", "/dev/mapper/mylun"});
    commands.put("tunefs-ocfs2-Q-slots-after", new String[] {"tunefs.ocfs2", "-Q", "%N\\n", "/dev/mapper/mylun"});
    for (Map.Entry<String, String[]> c : commands.entrySet()) {
      TestBed.ExecResult r = bed.exec(N1, CMD, c.getValue());
      Files.writeString(dir.resolve(c.getKey() + ".txt"), r.stdout());
      if (!r.stderr().isEmpty()) {
        Files.writeString(dir.resolve(c.getKey() + ".stderr.txt"), r.stderr());
      }
      Files.writeString(dir.resolve(c.getKey() + ".exit"), r.exitCode() + " " + String.join(" ", c.getValue())
          + "\n");
      if (c.getKey().startsWith("tunefs-ocfs2-N") || c.getKey().startsWith("tunefs-ocfs2-Q")) {
        report.put("node_slots", c.getKey().replace('-', '_') + "_exit", r.exitCode());
        report.put("node_slots", c.getKey().replace('-', '_') + "_output", (r.stdout() + r.stderr()).strip());
      }
    }
  }

  // ---- scenario 8: every CSI call repeated succeeds and changes nothing ------------------------------------------------

  @Test
  @Order(11)
  void everyCsiCallRepeatedChangesNothing() {
    for (String n : List.of(N1, N2)) {
      String before = snapshot(n);
      for (int i = 0; i < 2; i++) {
        kubelet.stage(n, vol);
        kubelet.publish(n, vol, pod(n));
        kubelet.stats(n, vol, pod(n));
        bed.csi(n).nodeGetInfo(csi.v1.NodeGetInfoRequest.getDefaultInstance());
        bed.csi(n).nodeGetCapabilities(csi.v1.NodeGetCapabilitiesRequest.getDefaultInstance());
      }
      assertThat(snapshot(n)).as("host state of %s after repeated calls", n).isEqualTo(before);
    }
    // A second pod on node1: publish twice, unpublish twice; then the node is as before.
    String before = snapshot(N1);
    for (int i = 0; i < 2; i++) {
      kubelet.publish(N1, vol, "second-pod");
    }
    assertThat(mountsOf(N1)).anyMatch(l -> l.contains(Kubelet.publishPath(vol.getVolumeId(), "second-pod")));
    for (int i = 0; i < 2; i++) {
      kubelet.unpublish(N1, vol, "second-pod");
    }
    assertThat(snapshot(N1)).isEqualTo(before);
    // Unpublish and unstage of a volume this node never staged succeed and touch nothing.
    assertThatCode(() -> {
      kubelet.unpublish(N1, vol2, "never");
      kubelet.unstage(N1, vol2);
    }).doesNotThrowAnyException();
    assertThat(snapshot(N1)).isEqualTo(before);
  }

  // ---- scenario 7: node2 leaves in reverse order; node1 keeps working -----------------------------------------------

  @Test
  @Order(12)
  void unstageOnNode2LeavesNothingWhileNode1KeepsWorking() {
    GuestIo.Writer w = GuestIo.startWriter(bed, N1, "unstage",
        Kubelet.publishPath(vol.getVolumeId(), POD1) + "/unstage", 200);
    long t = System.nanoTime();
    for (int i = 0; i < 2; i++) {
      kubelet.unpublish(N2, vol, POD2);
    }
    report.put("unstage", "node_unpublish_node2_seconds", secondsSince(t));
    t = System.nanoTime();
    for (int i = 0; i < 2; i++) {
      kubelet.unstage(N2, vol);
    }
    report.put("unstage", "node_unstage_node2_seconds", secondsSince(t));
    assertThat(mountsOf(N2)).as("no OCFS2 mount left on node2").noneMatch(l -> l.contains(" ocfs2 "));
    assertThat(bed.exec(N2, CMD, "iscsiadm", "-m", "session").stdout()).doesNotContain("virtual.vg1");
    assertThat(bed.exec(N2, CMD, "test", "-e", "/dev/mapper/mylun").exitCode()).as("map gone on node2").isNotZero();
    assertThat(bed.exec(N2, CMD, "dmsetup", "ls", "--target", "multipath").stdout()).doesNotContain("mylun");
    assertThat(bed.exec(N2, CMD, "lsscsi").stdout()).doesNotContain("VIRTUAL-DISK");
    GetVolumeHealthResponse h2 = bed.health(N2, vol);
    assertThat(h2.getStaged()).isFalse();
    assertThat(h2.getMounted()).isFalse();
    assertThat(h2.getMapPresent()).isFalse();

    Poll.sleep(Duration.ofSeconds(3));
    GuestIo.Result r = w.stop(Duration.ofMinutes(2));
    assertThat(r.failed()).as("node1's writer while node2 left (log %s)", w.log()).isZero();
    assertThat(r.writes()).isNotEmpty();
    String mounted = bed.run(N1, CMD, "mounted.ocfs2", "-f");
    assertThat(mounted.lines().filter(l -> l.startsWith("/dev/mapper/mylun")).findFirst())
        .as("mounted.ocfs2 -f:%n%s", mounted)
        .hasValueSatisfying(l -> assertThat(l).contains("node1").doesNotContain("node2"));
    GetVolumeHealthResponse h1 = bed.health(N1, vol);
    assertThat(h1.getPathsList()).filteredOn(PathHealth::getUp).hasSize(2);
    assertThat(h1.getMounted()).isTrue();
  }

  // ---- stage cost: NodeStageVolume against the raw commands it stands for; the plugin's memory ---------------------

  /**
   * One round (50-75 s of CI time). Measured: 1.17 and 1.12 in two rounds at load 10-13, 1.29 in one at load 6-9;
   * the gap is a fixed set of extra commands (record updates, session and device checks, 3-4 s) against a raw
   * sequence that the 9-12 s mount dominates, so the ratio stays well inside the goal and is asserted.
   */
  static final int STAGE_COST_ROUNDS = 1;
  static final double STAGE_COST_GOAL = 1.5;
  static final long PLUGIN_HWM_GOAL_MIB = 160;
  static final String HAND_MOUNT = "/mnt/by-hand";

  /**
   * The reference's raw command sequence (the by-hand setup and e2e/guest/smoke): discovery and login through both
   * portals, the multipath entry for the LUN and {@code multipathd reconfigure}, the wait until the map has both
   * paths active, the mount. Each command is timed in the guest (no test-bed round trip in the figures); prints
   * {@code <step> <ms>} per step. $1 IQN, $2 and $3 the portals, $4 the WWID, $5 the alias, $6 the mount point.
   */
  static final String RAW_STAGE = String.join("\n",
      "iqn=$1 pa=$2 pb=$3 wwid=$4 alias=$5 mnt=$6",
      "ms() { echo $(( $(date +%s%N) / 1000000 )); }",
      "step() { local name=$1 s; shift; s=$(ms); \"$@\" >/dev/null 2>&1 || { echo \"FAILED $name\"; exit 1; };"
          + " echo \"$name $(( $(ms) - s ))\"; }",
      "map_ready() { for ((i = 0; i < 600; i++)); do [[ -e /dev/mapper/$alias ]]"
          + " && (( $(multipath -ll \"$alias\" | grep -c 'active ready running') == 2 )) && return 0; sleep 0.1;"
          + " done; return 1; }",
      "printf 'multipaths {\\n\\tmultipath {\\n\\t\\twwid %s\\n\\t\\talias %s\\n\\t\\tpath_grouping_policy"
          + " multibus\\n\\t\\tpath_selector \"round-robin 0\"\\n\\t\\tfailback immediate\\n\\t\\tno_path_retry"
          + " 12\\n\\t}\\n}\\n' \"$wwid\" \"$alias\" >/etc/multipath/conf.d/by-hand-$alias.conf",
      "mkdir -p \"$mnt\"",
      "step discovery_a iscsiadm -m discovery -t st -p \"$pa\"",
      "step discovery_b iscsiadm -m discovery -t st -p \"$pb\"",
      "step login_a iscsiadm -m node -T \"$iqn\" -p \"$pa\" --login",
      "step login_b iscsiadm -m node -T \"$iqn\" -p \"$pb\" --login",
      "step multipathd_reconfigure multipathd reconfigure",
      "step map_two_paths_wait map_ready",
      "step mount mount -t ocfs2 -o _netdev,noatime \"/dev/mapper/$alias\" \"$mnt\"");

  /** Undoes {@link #RAW_STAGE} (not timed): unmount, flush the map, drop the entry, log out, delete the records. */
  static final String RAW_UNSTAGE = String.join("\n",
      "iqn=$1 pa=$2 pb=$3 alias=$4 mnt=$5",
      "umount \"$mnt\" || exit 1",
      "for ((i = 0; i < 50; i++)); do multipath -f \"$alias\" >/dev/null 2>&1 && break; sleep 0.2; done",
      "rm -f /etc/multipath/conf.d/by-hand-$alias.conf",
      "multipathd reconfigure >/dev/null",
      "iscsiadm -m node -T \"$iqn\" -p \"$pa\" --logout >/dev/null",
      "iscsiadm -m node -T \"$iqn\" -p \"$pb\" --logout >/dev/null",
      "iscsiadm -m node -T \"$iqn\" -o delete",
      "! iscsiadm -m session 2>/dev/null | grep -qF \"$iqn\" && [[ ! -e /dev/mapper/$alias ]]");

  /**
   * NodeStageVolume on node2 against the raw commands it stands for, both on node2 in the same state: node2 left
   * (Order 12), node1 keeps the volume mounted, as when node2 first staged it (Order 3). The rounds alternate: the
   * raw sequence by hand (timed per command inside the guest, then undone), then NodeStageVolume as kubelet calls
   * it (the gRPC call's wall time from this JVM; the plugin's own per-command times from its log), then
   * NodeUnstageVolume. The ratio is the median stage over the median raw sum.
   */
  @Test
  @Order(13)
  void stageCostAgainstTheRawCommandsAndPluginMemory() throws Exception {
    recordPluginMemory("after_scenarios");
    assertThat(bed.exec(N2, CMD, "iscsiadm", "-m", "session").stdout()).as("node2 left before")
        .doesNotContain(ReferenceVolume.IQN);
    List<String> portals = vol.getTarget().getPortalsList();
    List<Double> raw = new java.util.ArrayList<>();
    List<Double> stage = new java.util.ArrayList<>();
    List<Double> inCommands = new java.util.ArrayList<>();
    for (int round = 1; round <= STAGE_COST_ROUNDS; round++) {
      long t = System.nanoTime();
      String out = bed.run(N2, Duration.ofMinutes(3), "bash", "-c", RAW_STAGE, "raw-stage", ReferenceVolume.IQN,
          portals.get(0), portals.get(1), ReferenceVolume.WWID, vol.getMultipath().getAlias(), HAND_MOUNT);
      double rawWall = secondsSince(t);
      Map<String, Object> steps = new java.util.LinkedHashMap<>();
      double rawSum = 0;
      for (String line : out.strip().split("\n")) {
        String[] f = line.split(" ");
        steps.put(f[0], Report.round(Long.parseLong(f[1]) / 1000.0));
        rawSum += Long.parseLong(f[1]) / 1000.0;
      }
      assertThat(steps).as("raw steps on node2: %s", out).hasSize(7);
      raw.add(Report.round(rawSum));
      report.put("stage_cost", "raw_round" + round + "_steps_seconds", steps);
      report.put("stage_cost", "raw_round" + round + "_wall_from_host_seconds", rawWall);
      bed.run(N2, Duration.ofMinutes(2), "bash", "-c", RAW_UNSTAGE, "raw-unstage", ReferenceVolume.IQN,
          portals.get(0), portals.get(1), vol.getMultipath().getAlias(), HAND_MOUNT);

      bed.exec(N2, CMD, "mkdir", "-p", Kubelet.stagingPath(vol.getVolumeId())).requireSuccess();
      long logFrom = bed.pluginLogSize(N2);
      t = System.nanoTime();
      bed.csi(N2).nodeStageVolume(Kubelet.stageRequest(vol));
      stage.add(secondsSince(t));
      inCommands.add(recordStageCommands("round" + round, bed.pluginLogSince(N2, logFrom)));
      kubelet.unstage(N2, vol);
    }
    assertThat(mountsOf(N2)).as("node2 left again").isEmpty();
    double rawMedian = median(raw);
    double stageMedian = median(stage);
    double ratio = Report.round(stageMedian / rawMedian);
    report.put("stage_cost", "node_stage_seconds", stage);
    report.put("stage_cost", "node_stage_first_node2_seconds", report.get("stage_steps_seconds", "node_stage_node2"));
    report.put("stage_cost", "plugin_commands_seconds", inCommands);
    report.put("stage_cost", "raw_commands_seconds", raw);
    report.put("stage_cost", "node_stage_median_seconds", stageMedian);
    report.put("stage_cost", "raw_commands_median_seconds", rawMedian);
    report.put("stage_cost", "ratio_stage_over_raw", ratio);
    report.put("stage_cost", "goal_ratio_at_most", STAGE_COST_GOAL);
    report.put("stage_cost", "goal_met", ratio <= STAGE_COST_GOAL);
    assertThat(ratio).as("NodeStageVolume / the raw commands it stands for; %s", report.section("stage_cost"))
        .isLessThanOrEqualTo(STAGE_COST_GOAL);

    // node2's plugin ran through every scenario (node1's was restarted in Order 9: its peak covers the rest).
    for (String n : List.of(N1, N2)) {
      long hwmMib = (Long) report.get("plugin_memory", n + "_after_scenarios_vmhwm_mib");
      assertThat(hwmMib).as("plugin VmHWM on %s after the scenarios (MiB); %s", n, report.section("plugin_memory"))
          .isLessThan(PLUGIN_HWM_GOAL_MIB);
    }
  }

  // ---- the user-space cluster stack (corosync + dlm_controld) in the same kernels, after o2cb -----------------------

  /**
   * The user stack is brought up the way the operator does it, through the node agent: ApplyCluster with the user
   * stack, FormatVolume for it, NodeStageVolume. {@link UserStackByHand} does only what the product never does: wipe
   * the LUN of an earlier test, stop the daemons, and the SCSI-3 reservations of Order 18. The volume is target 2's
   * LUN (otherlun): its ext4 of Order 2 and the raw benchmark data of Order 6 are wiped first.
   */
  UserStackByHand userStack;
  long userStackStart;
  VolumeSpec userVol;

  /**
   * One kernel runs one OCFS2 stack at a time: once no volume of the o2cb stack is mounted, the same guests apply the
   * user stack (corosync and dlm_controld; the o2cb cluster stays registered), format the volume for it and stage it
   * on both nodes.
   */
  @Test
  @Order(14)
  void userStackComesUpInTheSameKernelsOnceNoO2cbVolumeIsMounted() {
    userStackStart = System.nanoTime();
    for (String n : List.of(N1, N2)) {
      kubelet.unpublish(n, vol, pod(n));
      kubelet.unstage(n, vol);
      assertThat(mountsOf(n)).as("no OCFS2 volume mounted on %s before the switch", n).isEmpty();
    }
    ApplyClusterRequest o2cb = ReferenceVolume.cluster(bed.bed(), "1");
    userStack = new UserStackByHand(bed, o2cb);
    long t = System.nanoTime();
    userStack.attach(N1, vol2, ReferenceVolume.WWID2);
    bed.run(N1, CMD, "wipefs", "-a", "/dev/mapper/" + vol2.getMultipath().getAlias());
    userStack.detach(N1, vol2);
    report.put("user_stack", "wipe_earlier_data_seconds", secondsSince(t));

    // The cluster's corosync authkey as the operator makes it: base64 text of 256 random bytes.
    byte[] random = new byte[256];
    new java.security.SecureRandom().nextBytes(random);
    String authKey = java.util.Base64.getEncoder().encodeToString(random);
    ApplyClusterRequest user = o2cb.toBuilder().clearTimeouts().clearPort().setRevision("user-1")
        .setStack(ClusterStackKind.CLUSTER_STACK_USER).setDlmFencing(DlmFencing.DLM_FENCING_DISABLED)
        .setCorosyncAuthkey(com.google.protobuf.ByteString.copyFromUtf8(authKey)).build();
    t = System.nanoTime();
    // two_node: corosync is quorate only once it has seen both nodes, so the first node's answer waits for the other.
    Map<String, ApplyClusterResponse> applied = new java.util.concurrent.ConcurrentHashMap<>();
    boolean online = Poll.waitFor(Duration.ofMinutes(2), Duration.ofSeconds(1), () -> {
      for (String n : List.of(N1, N2)) {
        applied.put(n, bed.applyCluster(n, user));
      }
      return applied.values().stream().allMatch(ApplyClusterResponse::getOnline);
    });
    report.put("user_stack", "apply_cluster_to_online_seconds", secondsSince(t));
    assertThat(online).as("ApplyCluster(user) online on both nodes: %s; %s", applied, diag(N1)).isTrue();
    for (String n : List.of(N1, N2)) {
      assertThat(applied.get(n).getStack()).isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
      assertThat(bed.run(n, CMD, "corosync-quorumtool", "-s")).as("quorum on %s", n)
          .containsPattern("Quorate: +Yes").containsPattern("Nodes: +2");
      assertThat(bed.run(n, CMD, "corosync-cmapctl", "totem.cluster_name"))
          .isEqualTo("totem.cluster_name (str) = " + userStack.clusterName() + "\n");
      // Authenticated and encrypted with the cluster's key, which only root can read.
      assertThat(bed.run(n, CMD, "corosync-cmapctl", "-g", "totem.crypto_cipher"))
          .isEqualTo("totem.crypto_cipher (str) = aes256\n");
      assertThat(bed.run(n, CMD, "corosync-cmapctl", "-g", "totem.crypto_hash"))
          .isEqualTo("totem.crypto_hash (str) = sha256\n");
      assertThat(bed.run(n, CMD, "stat", "-c", "%a %U %s", "/etc/corosync/authkey"))
          .isEqualTo("600 root " + authKey.length() + "\n");
      assertThat(bed.pluginLogSince(n, 0)).as("plugin log of %s", n).doesNotContain(authKey.substring(0, 24));
    }

    userVol = vol2.toBuilder().setFilesystem(vol2.getFilesystem().toBuilder()
        .setClusterStack(ClusterStackKind.CLUSTER_STACK_USER)).build();
    t = System.nanoTime();
    FormatVolumeResponse formatted = bed.format(N1, userVol);
    report.put("user_stack", "format_volume_seconds", secondsSince(t));
    assertThat(formatted.getOutcome()).as("%s; %s", formatted, diag(N1))
        .isEqualTo(FormatVolumeResponse.Outcome.FORMATTED);
    for (String n : List.of(N1, N2)) {
      t = System.nanoTime();
      kubelet.stage(n, userVol);
      report.put("user_stack", "stage_" + n + "_seconds", secondsSince(t));
    }
    for (String n : List.of(N1, N2)) {
      assertThat(bed.run(n, CMD, "cat", "/sys/fs/ocfs2/cluster_stack")).isEqualTo("pcmk\n");
      assertThat(mountsOf(n)).as("mounts on %s", n).singleElement().asString()
          .startsWith("/dev/mapper/otherlun " + userStackMount() + " ocfs2 ").contains("cluster_stack=pcmk");
      GetVolumeHealthResponse health = bed.health(n, userVol);
      assertThat(health.getMounted()).as("health on %s: %s", n, health).isTrue();
      assertThat(health.getProblemsList()).as("health problems on %s", n).isEmpty();
    }
    // corosync node ids are the o2cb numbers (1, 2) + 1
    assertThat(bed.run(N2, CMD, "dlm_tool", "ls")).as("the volume's lockspace").containsPattern("members +2 3 \n");
    assertThat(bed.run(N1, CMD, "o2cluster", "-o", "/dev/mapper/otherlun"))
        .isEqualTo("pcmk," + userStack.clusterName() + ",none\n");
  }

  /** Where the user-stack volume is staged (the staging path of kubelet's NodeStageVolume). */
  String userStackMount() {
    return Kubelet.stagingPath(vol2.getVolumeId());
  }

  String userStackFile(String name) {
    return userStackMount() + "/" + name;
  }

  /** Waits in F_SETLKW for a POSIX write lock on {@code $ARGV[0]}; prints the seconds it waited. */
  static final String LOCK_WAIT = "use Fcntl; use Time::HiRes qw(time); open(my $f, '+<', $ARGV[0]) or die \"open:"
      + " $!\\n\"; my $t = time; fcntl($f, F_SETLKW, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0)) or die"
      + " \"lock: $!\\n\"; printf(\"%.3f\\n\", time - $t)";

  /**
   * The reverse of Order 5's o2cb result: on the user stack a POSIX (fcntl) write lock held on node1 is seen on
   * node2, which is refused (F_SETLK) or waits until node1 lets go (F_SETLKW); flock stays cluster-wide.
   */
  @Test
  @Order(15)
  void posixLocksAreClusterWideOnTheUserStack() throws Exception {
    String file = userStackFile("locks.txt");
    bed.run(N1, CMD, "touch", file);
    for (String kind : List.of("flock", "fcntl")) {
      int holder = bed.bed().spawn(N1, "perl", "-e", LOCK_PROBE, kind, file, "300");
      try {
        boolean held = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500),
            () -> probe(N1, kind, file).exitCode() == 1);
        assertThat(held).as("%s: a second process on node1 is refused while the holder runs; %s", kind, diag(N1))
            .isTrue();
        TestBed.ExecResult other = probe(N2, kind, file);
        report.put("lock_semantics", "user_stack_" + kind + "_refused_on_other_node", other.exitCode() == 1);
        assertThat(other.exitCode()).as("%s held on node1 is seen on node2 with the user stack: %s %s", kind,
            other.stdout(), other.stderr()).isEqualTo(1);
        if (kind.equals("fcntl")) {
          ExecutorService pool = Executors.newSingleThreadExecutor();
          try {
            Future<TestBed.ExecResult> waiter = pool.submit(
                () -> bed.exec(N2, Duration.ofMinutes(2), "perl", "-e", LOCK_WAIT, file));
            Poll.sleep(Duration.ofSeconds(3));
            assertThat(waiter.isDone()).as("node2 still waits for the lock: %s", waiter.isDone()
                ? waiter.get().toString() : "").isFalse();
            long released = System.nanoTime();
            bed.run(N1, CMD, "kill", Integer.toString(holder));
            TestBed.ExecResult got = waiter.get(2, TimeUnit.MINUTES);
            double afterRelease = secondsSince(released);
            assertThat(got.exitCode()).as("node2's F_SETLKW: %s", got).isZero();
            double waited = Double.parseDouble(got.stdout().strip());
            report.put("lock_semantics", "user_stack_fcntl_wait_seconds", waited);
            report.put("lock_semantics", "user_stack_fcntl_granted_after_release_seconds", afterRelease);
            // The waiter starts through the test bed's agent (a second or more on a loaded host), so it waits less
            // than the 3 s it was given; granted at once, it would have waited nothing.
            assertThat(waited).as("node2 waited while node1 held the lock").isGreaterThanOrEqualTo(1.0);
          } finally {
            pool.shutdownNow();
          }
        }
      } finally {
        bed.exec(N1, CMD, "kill", Integer.toString(holder));
      }
      boolean released = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500),
          () -> probe(N2, kind, file).exitCode() == 0);
      assertThat(released).as("%s released on node1 is free on node2", kind).isTrue();
    }
  }

  TestBed.ExecResult probe(String node, String kind, String file) {
    return bed.exec(node, CMD, "perl", "-e", LOCK_PROBE, kind, file, "0");
  }

  static final int SQLITE_ROWS_PER_NODE = 100;

  /**
   * SQLite relies on POSIX locks: both nodes insert {@link #SQLITE_ROWS_PER_NODE} rows each into one database on
   * the volume at the same time (one transaction per row, rollback journal, busy timeout); nothing is lost and the
   * database is intact.
   */
  @Test
  @Order(16)
  void sqliteFromBothNodesAtOnceKeepsEveryRow() throws Exception {
    String db = userStackFile("rows.db");
    bed.run(N1, CMD, "sqlite3", db, "PRAGMA journal_mode=DELETE;"
        + " CREATE TABLE t(node TEXT NOT NULL, i INTEGER NOT NULL, PRIMARY KEY (node, i));");
    // $1 the database, $2 the rows, $3 the node name (validated by the harness: node[0-9]+)
    String script = "touch /ctl/ready-$3; while [[ ! -e /ctl/go-$3 ]]; do sleep 0.01; done;"
        + " { echo '.timeout 60000'; for ((i = 1; i <= $2; i++)); do echo \"INSERT INTO t VALUES('$3', $i);\";"
        + " done; } | sqlite3 -bail \"$1\"";
    double seconds = bothAtOnce(n -> new String[] {"bash", "-c", script, "insert", db,
        Integer.toString(SQLITE_ROWS_PER_NODE), n});
    String check = bed.run(N2, CMD, "sqlite3", db, "PRAGMA integrity_check; PRAGMA journal_mode;"
        + " SELECT node || '=' || count(*) FROM t GROUP BY node ORDER BY node;");
    report.put("user_stack", "sqlite_rows", 2 * SQLITE_ROWS_PER_NODE);
    report.put("user_stack", "sqlite_seconds", seconds);
    report.put("user_stack", "sqlite_rows_per_second", Report.round(2 * SQLITE_ROWS_PER_NODE / seconds));
    report.put("user_stack", "sqlite_check", check.strip());
    assertThat(check).as("integrity, journal mode and rows per node, read on node2")
        .isEqualTo("ok\ndelete\nnode1=" + SQLITE_ROWS_PER_NODE + "\nnode2=" + SQLITE_ROWS_PER_NODE + "\n");
  }

  /**
   * Runs the argument vector {@code argvOf(node)} on both nodes at once: each script waits at a barrier (touch
   * /ctl/ready-NODE, wait for /ctl/go-NODE) until both are ready. Returns the seconds from the release to the end
   * of both.
   */
  double bothAtOnce(java.util.function.Function<String, String[]> argvOf) throws Exception {
    for (String n : List.of(N1, N2)) {
      Files.deleteIfExists(bed.bed().ctlDir(n).resolve("ready-" + n));
      Files.deleteIfExists(bed.bed().ctlDir(n).resolve("go-" + n));
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<TestBed.ExecResult>> runs = new java.util.ArrayList<>();
      for (String n : List.of(N1, N2)) {
        runs.add(pool.submit(() -> bed.exec(n, Duration.ofMinutes(5), argvOf.apply(n))));
      }
      boolean ready = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(20),
          () -> List.of(N1, N2).stream().allMatch(n -> Files.exists(bed.bed().ctlDir(n).resolve("ready-" + n))));
      assertThat(ready).as("both nodes at the barrier").isTrue();
      long t = System.nanoTime();
      for (String n : List.of(N1, N2)) {
        Files.writeString(bed.bed().ctlDir(n).resolve("go-" + n), "go\n");
      }
      for (Future<TestBed.ExecResult> r : runs) {
        r.get(6, TimeUnit.MINUTES).requireSuccess();
      }
      return secondsSince(t);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Down again in the safe order: the node plugin unstages on both nodes (unmount, map, logout); the daemons are
   * then stopped by hand (dlm_controld, then corosync): the product never stops them.
   */
  @Test
  @Order(17)
  void userStackGoesDownAfterTheLastUnmount() {
    long t = System.nanoTime();
    for (String n : List.of(N1, N2)) {
      kubelet.unstage(n, userVol);
    }
    report.put("user_stack", "unstage_both_seconds", secondsSince(t));
    for (String n : List.of(N1, N2)) {
      assertThat(mountsOf(n)).as("mounts on %s after the unstage", n).isEmpty();
      assertThat(bed.exec(n, CMD, "iscsiadm", "-m", "session").stdout()).as("sessions on %s", n)
          .doesNotContain(ReferenceVolume.TARGET2_IQN);
    }
    report.put("user_stack", "stop_daemons_seconds", userStack.stop());
    for (String n : List.of(N1, N2)) {
      assertThat(bed.exec(n, CMD, "pgrep", "-x", "corosync|dlm_controld").stdout()).as("daemons on %s", n).isEmpty();
    }
  }

  /**
   * What storage fencing of the user stack can use on this target (tgtd), on the map of the unmounted volume: both
   * nodes register a key on every path, node1 reserves (Write Exclusive, registrants only), node1 preempts node2's
   * key; node2's writes then fail at once while node1 writes on, and node2 writes again after registering anew.
   * PREEMPT AND ABORT, what fence_scsi uses, is refused by tgtd: reported, not asserted (a property of the target).
   */
  @Test
  @Order(18)
  void persistentReservationsFenceANodeAtTheTarget() {
    for (String n : List.of(N1, N2)) {
      userStack.attach(n, vol2, ReferenceVolume.WWID2);
    }
    String map = "/dev/mapper/" + vol2.getMultipath().getAlias();
    String key1 = prKey(N1);
    String key2 = prKey(N2);
    String path1 = bed.run(N1, CMD, "readlink", "-f", "/dev/disk/by-path/ip-" + vol2.getTarget().getPortals(0)
        + "-iscsi-" + vol2.getTarget().getIqn() + "-lun-" + vol2.getTarget().getLun()).strip();
    assertThat(path1).matches("/dev/sd[a-z]+");
    try {
      for (String n : List.of(N1, N2)) {
        bed.run(n, CMD, "mpathpersist", "--out", "--register-ignore", "--param-sark=" + prKey(n), map);
      }
      bed.run(N1, CMD, "mpathpersist", "--out", "--reserve", "--param-rk=" + key1, "--prout-type=5", map);
      assertThat(bed.run(N1, CMD, "mpathpersist", "-i", "-k", map)).as("a key per node and path")
          .contains("4 registered reservation keys follow:", key1, key2);
      assertThat(bed.run(N2, CMD, "mpathpersist", "-i", "-r", map))
          .contains("Key = " + key1, "type = Write Exclusive, registrants only");
      for (String n : List.of(N1, N2)) {
        assertThat(rewriteBlock(n, map).exitCode()).as("registered %s writes under the reservation", n).isZero();
      }
      TestBed.ExecResult abort = bed.exec(N1, CMD, "sg_persist", "-n", "-o", "-A", "-T", "5", "-K", key1, "-S", key2,
          "-d", path1);
      report.put("fencing_pr", "preempt_and_abort_exit_code", abort.exitCode());
      report.put("fencing_pr", "preempt_and_abort_stderr", abort.stderr().strip());
      long t = System.nanoTime();
      bed.run(N1, CMD, "sg_persist", "-n", "-o", "-P", "-T", "5", "-K", key1, "-S", key2, "-d", path1);
      report.put("fencing_pr", "preempt_seconds", secondsSince(t));
      String keys = bed.run(N1, CMD, "mpathpersist", "-i", "-k", map);
      assertThat(keys).as("node2's key is gone from every path").contains("2 registered reservation keys follow:")
          .doesNotContain(key2);
      t = System.nanoTime();
      TestBed.ExecResult fenced = rewriteBlock(N2, map);
      report.put("fencing_pr", "fenced_write_failed_after_seconds", secondsSince(t));
      report.put("fencing_pr", "fenced_write_error", fenced.stderr().strip().lines().findFirst().orElse(""));
      assertThat(fenced.exitCode()).as("node2 writes after it was preempted: %s", fenced).isNotZero();
      assertThat(fenced.stderr()).contains("Invalid exchange"); // EBADE: the target's RESERVATION CONFLICT
      assertThat(bed.exec(N2, CMD, "dd", "if=" + map, "of=/dev/null", "bs=4096", "count=1", "iflag=direct",
          "status=none").exitCode()).as("node2 still reads").isZero();
      assertThat(rewriteBlock(N1, map).exitCode()).as("node1 writes on").isZero();
      assertThat(bed.run(N2, CMD, "multipath", "-ll", vol2.getMultipath().getAlias()))
          .as("a reservation conflict fails no path").satisfies(ll -> assertThat(activePaths(ll)).isEqualTo(2));
      bed.run(N2, CMD, "mpathpersist", "--out", "--register-ignore", "--param-sark=" + key2, map);
      assertThat(rewriteBlock(N2, map).exitCode()).as("node2 writes again once registered").isZero();
    } finally {
      bed.exec(N1, CMD, "sg_persist", "-n", "-o", "-C", "-K", key1, "-d", path1);
    }
    assertThat(bed.run(N1, CMD, "mpathpersist", "-i", "-k", map)).contains("0 registered reservation key");
    for (String n : List.of(N1, N2)) {
      userStack.detach(n, vol2);
    }
    // Back to o2cb the way the operator does it: ApplyCluster with the o2cb stack puts the kernel's label back.
    for (String n : List.of(N1, N2)) {
      ApplyClusterResponse back = bed.applyCluster(n, ReferenceVolume.cluster(bed.bed(), "3"));
      assertThat(back.getOnline()).as("o2cb online again on %s: %s", n, back).isTrue();
    }
    for (String n : List.of(N1, N2)) {
      assertThat(bed.exec(n, CMD, "pgrep", "-x", "corosync|dlm_controld").stdout()).as("daemons on %s", n).isEmpty();
      assertThat(bed.run(n, CMD, "cat", "/sys/fs/ocfs2/cluster_stack")).isEqualTo("o2cb\n");
      assertThat(mountsOf(n)).isEmpty();
      assertThat(bed.exec(n, CMD, "iscsiadm", "-m", "session").stdout()).doesNotContain(ReferenceVolume.TARGET2_IQN);
    }
    report.put("user_stack", "added_ci_seconds", secondsSince(userStackStart));
  }

  // ---- storage fencing of the user stack: a node killed under a lock holder, fenced, back -----------------------

  /** The user stack again, on the same volume, now with persistent-reservation fencing (see the scenario). */
  UserStackFencingScenario fencing;
  long fencingStart;

  @Test
  @Order(19)
  void userStackWithFencingRegistersBothNodesAtStage() {
    fencingStart = System.nanoTime();
    long t = fencingStart;
    fencing = new UserStackFencingScenario(bed, kubelet, report, vol2, "user-pr");
    fencing.bringUp();
    report.put("fencing", "bring_up_seconds", secondsSince(t));
  }

  @Test
  @Order(20)
  void aPathThatComesBackCarriesTheKeyAgain() {
    fencing.pathFlap();
  }

  @Test
  @Order(21)
  void killingNode2FencesItAndNode1GoesOn() throws Exception {
    fencing.killAndFence();
  }

  @Test
  @Order(22)
  void node2WritesAgainOnlyAfterItStagedAgain() {
    fencing.rebootAndRejoin();
  }

  @Test
  @Order(23)
  void fencingScenarioGoesDown() {
    fencing.down();
    report.put("fencing", "added_ci_seconds", secondsSince(fencingStart));
  }

  // ---- node slots: a node joins a filesystem that has no free slot once one is added --------------------------------

  /**
   * A third node joining a filesystem made with 2 slots, on this two-node bed (one node fewer): target 2's LUN (free
   * again after the scenarios above, o2cb applied again) gets an OCFS2 with one node slot. node1 mounts it; node2's stage
   * fails, saying that every slot is in use; slots cannot be added while node1 mounts it, neither on node1 nor on
   * node2 (tunefs.ocfs2 sees node1's mount through the cluster lock); once node1 unmounted it, SetNodeSlots on node2
   * adds a slot (what the operator does under nodeSlotsPolicy Automatic) and both nodes mount the same data. With
   * -De2e.captureSlots=true the raw outputs of the host commands go to e2e/kernel/target/slots-captured/.
   */
  @Test
  @Order(24)
  void aSecondNodeJoinsAFilesystemMadeWithOneSlotOnceASlotIsAdded() throws Exception {
    long start = System.nanoTime();
    // o2cb again, as the operator does it after the user stack's scenarios: ApplyCluster with the o2cb stack.
    for (String n : List.of(N1, N2)) {
      ApplyClusterResponse back = bed.applyCluster(n, ReferenceVolume.cluster(bed.bed(), "4"));
      assertThat(back.getOnline()).as("o2cb online on %s: %s", n, back).isTrue();
    }
    VolumeSpec one = vol2.toBuilder().setFilesystem(vol2.getFilesystem().toBuilder().setNodeSlots(1)).build();
    String device = "/dev/mapper/" + one.getMultipath().getAlias();
    // What the scenarios before left on the LUN goes, on the host (no initiator is logged in to it).
    host(Duration.ofMinutes(1), "wipefs", "-a", "-q", bed.bed().runEnv().getProperty("E2E_LUN2_FILE"));
    long t = System.nanoTime();
    FormatVolumeResponse formatted = bed.format(N1, one);
    report.put("node_slots", "format_one_slot_seconds", secondsSince(t));
    assertThat(formatted.getOutcome()).as("%s; %s", formatted, diag(N1))
        .isEqualTo(FormatVolumeResponse.Outcome.FORMATTED);
    assertThat(formatted.getNodeSlots()).isEqualTo(1);
    kubelet.stage(N1, one);
    String file = Kubelet.stagingPath(one.getVolumeId()) + "/slots.txt";
    bed.run(N1, CMD, "bash", "-c", "date +%s.%N > \"$1\" && sync \"$1\"", "write", file);
    String written = bed.run(N1, CMD, "cat", file);

    t = System.nanoTime();
    io.grpc.StatusRuntimeException full =
        catchThrowableOfType(() -> kubelet.stage(N2, one), io.grpc.StatusRuntimeException.class);
    report.put("node_slots", "stage_without_free_slot_failed_after_seconds", secondsSince(t));
    report.put("node_slots", "stage_without_free_slot_error", full == null ? null : full.getStatus().toString());
    report.put("node_slots", "stage_without_free_slot_kernel", bed.run(N2, CMD, "bash", "-c",
        "dmesg | grep -E 'ocfs2_find_slot' | tail -1").strip());
    assertThat(full).as("node2 stages a filesystem whose one slot node1 holds; %s", diag(N2)).isNotNull();
    assertThat(full.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
    assertThat(full.getStatus().getDescription())
        .contains("all 1 node slots of the OCFS2 filesystem on " + device + " are in use (mounted on node1)");
    if (Boolean.getBoolean("e2e.captureSlots")) {
      captureSlotsOutputs(device);
    }

    io.grpc.StatusRuntimeException onMounter =
        catchThrowableOfType(() -> bed.setNodeSlots(N1, one, 2), io.grpc.StatusRuntimeException.class);
    assertThat(onMounter).as("SetNodeSlots on node1, which mounts it").isNotNull();
    assertThat(onMounter.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
    assertThat(onMounter.getStatus().getDescription()).contains("is mounted on this node (" + device + " at ");
    t = System.nanoTime();
    io.grpc.StatusRuntimeException whileMounted =
        catchThrowableOfType(() -> bed.setNodeSlots(N2, one, 2), io.grpc.StatusRuntimeException.class);
    report.put("node_slots", "set_while_other_node_mounts_refused_after_seconds", secondsSince(t));
    report.put("node_slots", "set_while_other_node_mounts_error",
        whileMounted == null ? null : whileMounted.getStatus().toString());
    assertThat(whileMounted).as("SetNodeSlots on node2 while node1 mounts it; %s", diag(N2)).isNotNull();
    assertThat(whileMounted.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.FAILED_PRECONDITION);
    assertThat(whileMounted.getStatus().getDescription()).contains("while a node of the cluster mounts it")
        .contains("Trylock failed");

    kubelet.unstage(N1, one);
    t = System.nanoTime();
    SetNodeSlotsResponse added = bed.setNodeSlots(N2, one, 2);
    report.put("node_slots", "set_node_slots_1_to_2_seconds", secondsSince(t));
    report.put("node_slots", "tunefs_N_seconds", Report.round(added.getTunefsMillis() / 1000.0));
    assertThat(added.getSlotsBefore()).as("%s", added).isEqualTo(1);
    assertThat(added.getSlotsAfter()).isEqualTo(2);
    assertThat(added.getChanged()).isTrue();

    // Both nodes at once: each takes a free slot under the superblock's cluster lock.
    onBothNodes("stage", n -> kubelet.stage(n, one));
    for (String n : List.of(N1, N2)) {
      assertThat(bed.run(n, CMD, "cat", file)).as("what node1 wrote, read on %s", n).isEqualTo(written);
    }
    onBothNodes("unstage", n -> kubelet.unstage(n, one));
    for (String n : List.of(N1, N2)) {
      assertThat(mountsOf(n)).as("mounts on %s", n).isEmpty();
      assertThat(bed.exec(n, CMD, "iscsiadm", "-m", "session").stdout()).as("sessions on %s", n)
          .doesNotContain(ReferenceVolume.TARGET2_IQN);
    }
    report.put("node_slots", "added_ci_seconds", secondsSince(start));
  }

  /** {@code call} on node1 and node2 at the same time; each node's seconds under {@code node_slots.<what>_<node>_seconds}. */
  void onBothNodes(String what, java.util.function.Consumer<String> call) throws Exception {
    ExecutorService both = Executors.newFixedThreadPool(2);
    try {
      Map<String, Future<Double>> done = new java.util.LinkedHashMap<>();
      for (String n : List.of(N1, N2)) {
        done.put(n, both.submit(() -> {
          long t = System.nanoTime();
          call.accept(n);
          return secondsSince(t);
        }));
      }
      for (Map.Entry<String, Future<Double>> d : done.entrySet()) {
        report.put("node_slots", what + "_" + d.getKey() + "_seconds", d.getValue().get(4, TimeUnit.MINUTES));
      }
    } finally {
      both.shutdownNow();
    }
  }

  /** The raw outputs behind e2e/guest/captured/node-slots, repeated by hand on node2 while node1 mounts the LUN. */
  void captureSlotsOutputs(String device) throws IOException {
    Path dir = Files.createDirectories(Path.of("target", "slots-captured"));
    bed.run(N2, CMD, "mkdir", "-p", "/tmp/slots-mnt");
    Map<String, String[]> commands = new java.util.LinkedHashMap<>();
    commands.put("mounted-ocfs2-f-one-slot-taken", new String[] {"mounted.ocfs2", "-f", device});
    commands.put("mount-ocfs2-no-free-slot", new String[] {"mount", "-t", "ocfs2", device, "/tmp/slots-mnt"});
    commands.put("tunefs-ocfs2-N-other-node-mounts", new String[] {"tunefs.ocfs2", "-N", "2", device});
    commands.put("tunefs-ocfs2-Q-one-slot", new String[] {"tunefs.ocfs2", "-Q", "%N\\n", device});
    for (Map.Entry<String, String[]> c : commands.entrySet()) {
      TestBed.ExecResult r = bed.exec(N2, CMD, c.getValue());
      Files.writeString(dir.resolve(c.getKey() + ".txt"), r.stdout());
      if (!r.stderr().isEmpty()) {
        Files.writeString(dir.resolve(c.getKey() + ".stderr.txt"), r.stderr());
      }
      Files.writeString(dir.resolve(c.getKey() + ".exit"), r.exitCode() + " " + String.join(" ", c.getValue())
          + "\n");
    }
    Files.writeString(dir.resolve("dmesg-mount-no-free-slot.txt"),
        bed.run(N2, CMD, "bash", "-c", "dmesg | grep -E 'ocfs2_(find_slot|mount_volume|fill_super)'"));
  }

  /** A reservation key per node: "oc" and the corosync node id. */
  String prKey(String node) {
    return String.format("0x6f63%012x", userStack.nodeId(node));
  }

  /** Writes block 100000 of {@code device} back with its own bytes (O_DIRECT): a write that changes nothing. */
  TestBed.ExecResult rewriteBlock(String node, String device) {
    return bed.exec(node, CMD, "bash", "-c", "dd if=\"$1\" bs=4096 skip=100000 count=1 iflag=direct status=none"
        + " >/tmp/block && dd if=/tmp/block of=\"$1\" bs=4096 seek=100000 count=1 oflag=direct conv=notrunc"
        + " status=none", "rewrite", device);
  }

  /**
   * The host commands the plugin ran during one call (from its log: count, seconds per program, total) under
   * {@code stage_cost.<key>_*}; returns the total seconds.
   */
  double recordStageCommands(String key, String log) {
    Map<String, Long> perProgram = CommandLog.millisPerProgram(log);
    Map<String, Object> seconds = new java.util.LinkedHashMap<>();
    perProgram.forEach((k, v) -> seconds.put(k, Report.round(v / 1000.0)));
    double total = Report.round(CommandLog.totalMillis(log) / 1000.0);
    report.put("stage_cost", key + "_plugin_commands", CommandLog.count(log));
    report.put("stage_cost", key + "_plugin_commands_seconds", total);
    report.put("stage_cost", key + "_plugin_commands_per_program_seconds", seconds);
    return total;
  }

  /** VmRSS and VmHWM (MiB) and threads of the plugin process on both nodes, under {@code plugin_memory.<node>_<when>_*}. */
  void recordPluginMemory(String when) {
    for (String n : List.of(N1, N2)) {
      Map<String, Long> m = bed.pluginMemory(n);
      report.put("plugin_memory", n + "_" + when + "_vmrss_mib", m.get("VmRSS") / 1024);
      report.put("plugin_memory", n + "_" + when + "_vmhwm_mib", m.get("VmHWM") / 1024);
      report.put("plugin_memory", n + "_" + when + "_threads", m.getOrDefault("Threads", -1L));
    }
    report.put("plugin_memory", "jvm_flags", "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1");
  }

  static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return Report.round(n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2);
  }

  // ---- helpers ---------------------------------------------------------------------------------------------------

  static String pod(String node) {
    return node.equals(N1) ? POD1 : POD2;
  }

  /** The node's mounts of OCFS2 (lines of /proc/mounts). */
  List<String> mountsOf(String node) {
    return bed.run(node, CMD, "cat", "/proc/mounts").lines().filter(l -> l.contains(" ocfs2 ")).toList();
  }

  /** What a CSI call could change on a node: sessions, maps and their paths, mounts, config and state files. */
  String snapshot(String node) {
    return bed.run(node, CMD, "bash", "-c", String.join("; ",
        "iscsiadm -m session 2>&1",
        "dmsetup ls --target multipath",
        "multipathd show paths format '%d %t %T %w' 2>&1 | sort",
        "grep -E ' (ocfs2|ext4) ' /proc/mounts",
        "ls -l /etc/multipath/conf.d",
        "md5sum /etc/multipath/conf.d/* /etc/ocfs2/cluster.conf",
        // The plugin's state by content and mode (a record rewritten with the same content changes nothing).
        "cd " + PluginBed.STATE_DIR + " && find . -printf '%M %p\\n' | sort && find . -type f -exec md5sum {} + | sort"));
  }

  /** Path lines of {@code multipath -ll} in state "active ready running" (columns are padded with spaces). */
  static final Pattern ACTIVE_PATH = Pattern.compile("(?m)\\bsd[a-z]+ +\\d+:\\d+ +active +ready +running\\b");
  static final Pattern FAILED_PATH = Pattern.compile("(?m)\\bsd[a-z]+ +\\d+:\\d+ +failed +faulty\\b");

  static int activePaths(String multipathLl) {
    return count(ACTIVE_PATH, multipathLl);
  }

  static int failedPaths(String multipathLl) {
    return count(FAILED_PATH, multipathLl);
  }

  static int count(Pattern p, String text) {
    Matcher m = p.matcher(text);
    int c = 0;
    while (m.find()) {
      c++;
    }
    return c;
  }

  String diag(String node) {
    return bed == null ? "" : bed.diagnostics(node);
  }

  static List<Double> rounded(List<Double> values) {
    return values.stream().map(Report::round).toList();
  }

  static double secondsSince(long nanos) {
    return Report.round((System.nanoTime() - nanos) / 1e9);
  }

  static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 20];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** A host command (argument vector, no shell); its stdout. Fails with the install hint when the tool is missing. */
  static String host(Duration limit, String... argv) throws IOException, InterruptedException {
    Process p;
    try {
      p = new ProcessBuilder(argv).redirectErrorStream(false).start();
    } catch (IOException e) {
      throw new IllegalStateException("missing prerequisite on the host: " + argv[0]
          + " (Debian package e2fsprogs; fix: e2e/bin/setup-host)", e);
    }
    p.getOutputStream().close();
    Future<String> err = Executors.newSingleThreadExecutor().submit(
        () -> new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", argv) + ": no exit within " + limit);
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + " exited " + p.exitValue() + ": " + errOf(err));
    }
    return out;
  }

  private static String errOf(Future<String> f) {
    try {
      return f.get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      return "(" + e + ")";
    }
  }
}
