package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Storage fencing of the user stack on real kernels: both nodes run corosync and dlm_controld with
 * persistent-reservation fencing and stage one volume; node1 holds an fcntl write lock and writes; node2 (which holds
 * an fcntl lock of its own) is killed. dlm_controld on node1 runs the node plugin's fence agent, which preempts node2's
 * reservation key; node1's writes and a new lock (on node2's file) go on. node2 boots again: its writes to the LUN
 * fail at the target until NodeStage registers it anew. The numbers go to the {@code fencing} section of the report.
 * Run by {@link NodePluginScenariosTest} after its other user-stack scenarios, in steps, each leaving the state the
 * next starts from.
 */
final class UserStackFencingScenario {

  static final String N1 = "node1";
  static final String N2 = "node2";
  static final Duration CMD = Duration.ofSeconds(60);
  static final String S = "fencing";

  private final PluginBed bed;
  private final Kubelet kubelet;
  private final Report report;
  private final VolumeSpec plain;
  private final String revision;
  UserStackByHand byHand;
  ApplyClusterRequest user;
  VolumeSpec vol;

  /** {@code plain}: the volume (as for o2cb; it gets the user stack here); {@code revision}: of the ApplyCluster. */
  UserStackFencingScenario(PluginBed bed, Kubelet kubelet, Report report, VolumeSpec plain, String revision) {
    this.bed = bed;
    this.kubelet = kubelet;
    this.report = report;
    this.plain = plain;
    this.revision = revision;
  }

  String mount() {
    return Kubelet.stagingPath(vol.getVolumeId());
  }

  String map() {
    return "/dev/mapper/" + vol.getMultipath().getAlias();
  }

  /** The key the plugin derives: SHA-256(cluster name)[0..4] and the corosync node id. */
  String key(String node) {
    return "0x" + Long.toHexString(Long.parseUnsignedLong(clusterKey(), 16) << 32 | byHand.nodeId(node));
  }

  String clusterKey() {
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256")
          .digest(user.getClusterName().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return java.util.HexFormat.of().formatHex(d, 0, 4);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Both nodes apply the user stack with fencing, and stage the volume (formatted for it first when blank). */
  void bringUp() {
    ApplyClusterRequest o2cb = ReferenceVolume.cluster(bed.bed(), "1");
    byHand = new UserStackByHand(bed, o2cb);
    user = o2cb.toBuilder().clearTimeouts().clearPort().setRevision(revision)
        .setStack(ClusterStackKind.CLUSTER_STACK_USER)
        .setDlmFencing(DlmFencing.DLM_FENCING_PERSISTENT_RESERVATION).build();
    applyUntilOnline(List.of(N1, N2));
    for (String n : List.of(N1, N2)) {
      assertThat(bed.run(n, CMD, "cat", "/etc/dlm/dlm.conf")).as("dlm.conf on %s", n)
          .contains("fence_all /usr/local/lib/ocfs2-iscsi/fence_ocfs2_iscsi cluster_key=" + clusterKey()
              + " local_id=" + byHand.nodeId(n) + "\n");
      assertThat(bed.exec(n, CMD, "test", "-x", "/usr/local/lib/ocfs2-iscsi/fence_ocfs2_iscsi").exitCode())
          .as("agent installed on %s", n).isZero();
    }
    vol = plain.toBuilder().setFilesystem(plain.getFilesystem().toBuilder()
        .setClusterStack(ClusterStackKind.CLUSTER_STACK_USER)).build();
    FormatVolumeResponse f = bed.format(N1, vol);
    assertThat(f.getOutcome()).as("%s", f)
        .isIn(FormatVolumeResponse.Outcome.FORMATTED, FormatVolumeResponse.Outcome.EXISTING_OCFS2);
    for (String n : List.of(N1, N2)) {
      long t = System.nanoTime();
      kubelet.stage(n, vol);
      report.put(S, "stage_" + n + "_seconds", secondsSince(t));
    }
    String keys = bed.run(N1, CMD, "mpathpersist", "-i", "-k", map());
    report.put(S, "keys_after_stage", keys.strip());
    assertThat(keys).contains("4 registered reservation keys follow:", key(N1), key(N2));
    String resv = bed.run(N2, CMD, "mpathpersist", "-i", "-r", map());
    report.put(S, "reservation_after_stage", resv.strip());
    assertThat(resv).contains("Key = " + key(N1), "type = Write Exclusive, registrants only");
    for (String n : List.of(N1, N2)) {
      assertThat(bed.run(n, CMD, "cat", "/run/ocfs2-iscsi/fence-maps/" + vol.getMultipath().getAlias()))
          .isEqualTo(key(n) + "\n");
      assertThat(bed.run(n, CMD, "cat", "/etc/multipath/conf.d/ocfs2iscsi-" + vol.getMultipath().getAlias() + ".conf"))
          .contains("\t\treservation_key " + key(n) + "\n");
    }
    report.put(S, "drop_in_node1", bed.run(N1, CMD, "cat", "/etc/multipath/conf.d/ocfs2iscsi-"
        + vol.getMultipath().getAlias() + ".conf"));
  }

  /**
   * A path that fails and comes back (a SAN link cut for a few seconds) must still carry node1's key: the target
   * may see the new session as a new I_T nexus; multipathd registers the key named in the drop-in again.
   */
  void pathFlap() {
    long t = System.nanoTime();
    bed.bed().fault("link-down", N1, "b");
    try {
      boolean failed = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(500),
          () -> NodePluginScenariosTest.activePaths(bed.run(N1, CMD, "multipath", "-ll",
              vol.getMultipath().getAlias())) == 1);
      assertThat(failed).as("node1's path b failed").isTrue();
      report.put(S, "link_down_keys", bed.run(N2, CMD, "mpathpersist", "-i", "-k", map()).strip());
    } finally {
      bed.bed().fault("link-up", N1, "b");
    }
    boolean back = Poll.waitFor(Duration.ofSeconds(90), Duration.ofMillis(500),
        () -> NodePluginScenariosTest.activePaths(bed.run(N1, CMD, "multipath", "-ll",
            vol.getMultipath().getAlias())) == 2);
    assertThat(back).as("node1's path b back").isTrue();
    report.put(S, "link_flap_seconds", secondsSince(t));
    String keys = bed.run(N2, CMD, "mpathpersist", "-i", "-k", map());
    report.put(S, "link_back_keys", keys.strip());
    for (int i = 0; i < 10; i++) {
      TestBed.ExecResult w = bed.exec(N1, CMD, "dd", "if=/dev/zero", "of=" + mount() + "/flap-" + i + ".bin",
          "bs=4096", "count=4", "oflag=direct", "conv=fsync", "status=none");
      assertThat(w.exitCode()).as("node1 writes after its path came back (round-robin over both): %s", w).isZero();
    }
    // tgtd keeps the old nexus's registration and multipathd registered the key on the new one (its 5th key).
    assertThat(keys.lines().filter(l -> l.strip().equals(key(N1))).count()).as("node1's key: %s", keys)
        .isGreaterThanOrEqualTo(2);
  }

  /**
   * Waits in F_SETLKW for a POSIX write lock on {@code $ARGV[0]}, then appends a line and fsyncs; prints the epoch
   * seconds it got the lock and those the write was done.
   */
  static final String LOCK_WAIT = "use Fcntl; use IO::Handle; use Time::HiRes qw(time); open(my $f, '+<', $ARGV[0])"
      + " or die \"open: $!\\n\"; fcntl($f, F_SETLKW, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0)) or die"
      + " \"lock: $!\\n\"; my $l = time; seek($f, 0, 2); print $f \"node1\\n\"; $f->flush; $f->sync or die"
      + " \"fsync: $!\\n\"; printf(\"%.3f %.3f\\n\", $l, time)";

  /** Creates a new file in $ARGV[0] every 100 ms (new inodes: new cluster locks); prints "n epoch" after each. */
  static final String CREATOR = "use IO::Handle; use Time::HiRes qw(time sleep); STDOUT->autoflush(1);"
      + " for (my $i = 1; ; $i++) { open(my $f, '>', \"$ARGV[0]/c$i\") or die \"create: $!\\n\";"
      + " print $f \"$i\\n\"; $f->flush; $f->sync or die \"fsync: $!\\n\"; close($f);"
      + " printf(\"%d %.3f\\n\", $i, time); sleep(0.1) }";

  /**
   * Takes an fcntl write lock on $ARGV[0], then appends "seq\n" to it (fsync each) every 50 ms; after each fsync it
   * prints "seq epoch-seconds" (the write is acknowledged).
   */
  static final String WRITER = "use Fcntl; use IO::Handle; use Time::HiRes qw(time sleep); STDOUT->autoflush(1);"
      + " open(my $f, '>>', $ARGV[0]) or die \"open: $!\\n\";"
      + " fcntl($f, F_SETLKW, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0)) or die \"lock: $!\\n\";"
      + " for (my $i = 1; ; $i++) { print $f \"$i\\n\" or die \"write: $!\\n\"; $f->flush or die \"flush: $!\\n\";"
      + " $f->sync or die \"fsync: $!\\n\"; printf(\"%d %.3f\\n\", $i, time); sleep(0.05) }";

  /** Holds an fcntl write lock on $ARGV[0] until killed. */
  static final String HOLD = "use Fcntl; open(my $f, '+<', $ARGV[0]) or die \"open: $!\\n\";"
      + " fcntl($f, F_SETLK, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0)) or die \"lock: $!\\n\";"
      + " print \"locked\\n\"; sleep(600)";

  void killAndFence() throws Exception {
    String data = mount() + "/acked.txt";
    String held = mount() + "/node2-lock.txt";
    bed.run(N1, CMD, "touch", data, held);
    bed.bed().spawn(N2, "perl", "-e", HOLD, held);
    boolean locked = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500),
        () -> bed.exec(N1, CMD, "perl", "-e", NodePluginScenariosTest.LOCK_PROBE, "fcntl", held, "0")
            .exitCode() == 1);
    assertThat(locked).as("node2's lock is seen on node1").isTrue();
    int writer = bed.bed().spawn(N1, "bash", "-c", "exec perl -e \"$1\" \"$2\" >/tmp/acks.txt 2>/tmp/acks.err",
        "writer", WRITER, data);
    bed.run(N1, CMD, "mkdir", "-p", mount() + "/created");
    int creator = bed.bed().spawn(N1, "bash", "-c", "exec perl -e \"$1\" \"$2\" >/tmp/creates.txt"
        + " 2>/tmp/creates.err", "creator", CREATOR, mount() + "/created");
    boolean writing = Poll.waitFor(Duration.ofSeconds(30), Duration.ofMillis(500),
        () -> bed.exec(N1, CMD, "bash", "-c", "(( $(wc -l </tmp/acks.txt) > 20 ))").exitCode() == 0);
    assertThat(writing).as("node1 writes: %s", bed.exec(N1, CMD, "cat", "/tmp/acks.err")).isTrue();

    try {
      fenceWhileWriting(writer, creator, data, held);
    } finally {
      bed.exec(N1, CMD, "kill", Integer.toString(writer), Integer.toString(creator));
    }
  }

  void fenceWhileWriting(int writer, int creator, String data, String held) throws Exception {
    double killedAt = guestTime(N1);
    long t = System.nanoTime();
    bed.bed().killNode(N2);
    report.put(S, "kill_seconds", secondsSince(t));
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<TestBed.ExecResult> newLock = pool.submit(
          () -> bed.exec(N1, Duration.ofMinutes(3), "perl", "-e", LOCK_WAIT, held));
      String log = "/var/log/ocfs2-iscsi-fence.log";
      boolean fenced = Poll.waitFor(Duration.ofMinutes(3), Duration.ofMillis(500),
          () -> bed.exec(N1, CMD, "grep", "-q", "node " + byHand.nodeId(N2) + ": 1 map(s), exit 0", log)
              .exitCode() == 0);
      String agentLog = bed.exec(N1, CMD, "cat", log).stdout();
      report.put(S, "agent_log", agentLog.strip());
      assertThat(fenced).as("the agent fenced node2: %s; dlm_tool status: %s", agentLog,
          bed.exec(N1, CMD, "dlm_tool", "status").stdout()).isTrue();
      double agentStart = agentTime(agentLog, "fencing node ");
      double agentDone = agentTime(agentLog, "map(s), exit 0");
      report.put(S, "kill_to_agent_started_seconds", Report.round(agentStart - killedAt));
      report.put(S, "kill_to_agent_done_seconds", Report.round(agentDone - killedAt));
      report.put(S, "dlm_tool_status_after_fencing", bed.run(N1, CMD, "dlm_tool", "status").strip());
      TestBed.ExecResult lock = newLock.get(3, TimeUnit.MINUTES);
      assertThat(lock.exitCode()).as("a new fcntl lock on node2's file on node1: %s", lock).isZero();
      String[] times = lock.stdout().strip().split(" ");
      double granted = Double.parseDouble(times[0]);
      double written = Double.parseDouble(times[1]);
      // dlm_controld drops a departed member's POSIX locks when it leaves (before fencing); OCFS2's own cluster
      // locks, which a write to the file needs, are recovered only once the member is fenced.
      report.put(S, "kill_to_posix_lock_on_node2s_file_seconds", Report.round(granted - killedAt));
      report.put(S, "kill_to_write_under_that_lock_seconds", Report.round(written - killedAt));
      assertThat(written).as("node1's write to node2's file waits until the agent fenced node2")
          .isGreaterThan(agentDone);
    } finally {
      pool.shutdownNow();
    }
    String keys = bed.run(N1, CMD, "mpathpersist", "-i", "-k", map());
    report.put(S, "keys_after_fencing", keys.strip());
    assertThat(keys).contains(key(N1)).doesNotContain(key(N2));
    Poll.sleep(Duration.ofSeconds(2));
    bed.run(N1, CMD, "kill", Integer.toString(writer), Integer.toString(creator));
    Poll.sleep(Duration.ofSeconds(1));
    List<double[]> creates = parseTimes(bed.run(N1, CMD, "cat", "/tmp/creates.txt"));
    double[] createPause = longestGapAfter(creates, killedAt);
    report.put(S, "file_creates", creates.size());
    report.put(S, "longest_create_pause_after_kill_seconds", Report.round(createPause[0]));
    report.put(S, "kill_to_creates_resumed_seconds", Report.round(createPause[1] - killedAt));
    assertThat(creates.get(creates.size() - 1)[1]).as("node1 created files after the kill: %s",
        bed.exec(N1, CMD, "cat", "/tmp/creates.err")).isGreaterThan(killedAt + 1);
    List<double[]> acks = parseTimes(bed.run(N1, CMD, "cat", "/tmp/acks.txt"));
    double[] pause = longestGapAfter(acks, killedAt);
    report.put(S, "writes_acknowledged", acks.size());
    report.put(S, "longest_write_pause_after_kill_seconds", Report.round(pause[0]));
    assertThat(acks.get(acks.size() - 1)[1]).as("node1 wrote after the kill").isGreaterThan(killedAt + 1);
    String content = bed.run(N1, CMD, "cat", data);
    List<String> lines = content.lines().toList();
    for (double[] a : acks) {
      assertThat(lines).as("acknowledged write %d is in the file", (int) a[0]).contains(Integer.toString((int) a[0]));
    }
  }

  void rebootAndRejoin() {
    Duration boot = bed.bed().bootNode(N2);
    report.put(S, "node2_boot_seconds", Report.round(boot.toMillis() / 1000.0));
    TestBed.ExecResult raw = rawWriteBeforeStage(N2);
    report.put(S, "rebooted_raw_write_exit_code", raw.exitCode());
    report.put(S, "rebooted_raw_write_error", raw.stderr().strip());
    assertThat(raw.exitCode()).as("node2's raw write before it stages: %s", raw).isNotZero();
    assertThat(raw.stderr()).contains("Invalid exchange");

    long t = System.nanoTime();
    rejoin(List.of(N2));
    report.put(S, "rejoin_apply_and_stage_seconds", secondsSince(t));
    TestBed.ExecResult w = bed.exec(N2, CMD, "dd", "if=/dev/zero", "of=" + mount() + "/node2-back.bin", "bs=4096",
        "count=16", "oflag=direct", "conv=fsync", "status=none");
    assertThat(w.exitCode()).as("node2 writes once staged again: %s", w).isZero();
  }

  /**
   * On a node booted again: waits for its disk of the LUN (the node records say startup=automatic: the boot logs in
   * again; otherwise it logs in by hand) and writes one block of it back unchanged, bypassing the map.
   */
  TestBed.ExecResult rawWriteBeforeStage(String node) {
    String disk = "/dev/disk/by-path/ip-" + vol.getTarget().getPortals(0) + "-iscsi-" + vol.getTarget().getIqn()
        + "-lun-" + vol.getTarget().getLun();
    if (!Poll.waitFor(Duration.ofSeconds(20), Duration.ofMillis(500),
        () -> bed.exec(node, CMD, "test", "-b", disk).exitCode() == 0)) {
      bed.exec(node, CMD, "iscsiadm", "-m", "node", "-T", vol.getTarget().getIqn(), "-p",
          vol.getTarget().getPortals(0), "--login");
      assertThat(Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(500),
          () -> bed.exec(node, CMD, "test", "-b", disk).exitCode() == 0)).as("%s on %s", disk, node).isTrue();
    }
    return rewriteBlock(node, disk);
  }

  /**
   * Nodes booted again: their plugins started, the user stack applied (on all of them at once: two nodes that both
   * restarted are quorate only together), the volume staged (their keys registered).
   */
  void rejoin(List<String> nodes) {
    for (String n : nodes) {
      bed.spawnPlugin(n);
      bed.awaitPlugin(n);
    }
    applyUntilOnline(nodes);
    for (String n : nodes) {
      kubelet.stage(n, vol);
      assertThat(bed.run(n, CMD, "mpathpersist", "-i", "-k", map())).contains(key(n));
    }
  }

  void down() {
    kubelet.unstage(N2, vol);
    // The LUN is left without keys and reservation (CLEAR through one of node1's paths) for the next test.
    String path = bed.run(N1, CMD, "readlink", "-f", "/dev/disk/by-path/ip-" + vol.getTarget().getPortals(0)
        + "-iscsi-" + vol.getTarget().getIqn() + "-lun-" + vol.getTarget().getLun()).strip();
    assertThat(path).matches("/dev/sd[a-z]+");
    bed.run(N1, CMD, "sg_persist", "-n", "-o", "-C", "-K", key(N1), "-d", path);
    String none = bed.run(N1, CMD, "mpathpersist", "-i", "-r", map());
    report.put(S, "mpathpersist_i_r_none", none);
    assertThat(none).contains("there is NO reservation held");
    report.put(S, "mpathpersist_i_k_none", bed.run(N1, CMD, "mpathpersist", "-i", "-k", map()));
    kubelet.unstage(N1, vol);
    byHand.stop();
  }

  void applyUntilOnline(List<String> nodes) {
    Map<String, ApplyClusterResponse> applied = new ConcurrentHashMap<>();
    long t = System.nanoTime();
    boolean online = Poll.waitFor(Duration.ofMinutes(2), Duration.ofSeconds(1), () -> {
      for (String n : nodes) {
        applied.put(n, bed.applyCluster(n, user));
      }
      return applied.values().stream().allMatch(ApplyClusterResponse::getOnline);
    });
    report.put(S, "apply_online_" + String.join("_", nodes) + "_seconds", secondsSince(t));
    assertThat(online).as("online: %s", applied).isTrue();
  }

  static List<double[]> parseTimes(String out) {
    List<double[]> rows = new ArrayList<>();
    for (String l : out.strip().split("\n")) {
      String[] p = l.split(" ");
      rows.add(new double[] {Double.parseDouble(p[0]), Double.parseDouble(p[1])});
    }
    return rows;
  }

  /** The longest gap between two consecutive rows that ends after {@code from}, and when that gap ended. */
  static double[] longestGapAfter(List<double[]> rows, double from) {
    double gap = 0;
    double end = 0;
    for (int i = 1; i < rows.size(); i++) {
      double g = rows.get(i)[1] - rows.get(i - 1)[1];
      if (rows.get(i)[1] >= from && g > gap) {
        gap = g;
        end = rows.get(i)[1];
      }
    }
    return new double[] {gap, end};
  }

  /** The epoch seconds of the agent log's first line containing {@code text}. */
  static double agentTime(String log, String text) {
    String line = log.lines().filter(l -> l.contains(text)).findFirst()
        .orElseThrow(() -> new AssertionError("no '" + text + "' in the agent log:\n" + log));
    return java.time.Instant.parse(line.substring(0, line.indexOf(' '))).toEpochMilli() / 1000.0;
  }

  double guestTime(String node) {
    return Double.parseDouble(bed.run(node, CMD, "date", "+%s.%N").strip());
  }

  /** Writes block 100000 of {@code device} back with its own bytes (O_DIRECT): a write that changes nothing. */
  TestBed.ExecResult rewriteBlock(String node, String device) {
    return bed.exec(node, CMD, "bash", "-c", "dd if=\"$1\" bs=4096 skip=100000 count=1 iflag=direct status=none"
        + " >/tmp/block && dd if=/tmp/block of=\"$1\" bs=4096 seek=100000 count=1 oflag=direct conv=notrunc"
        + " status=none", "rewrite", device);
  }

  static double secondsSince(long nanos) {
    return Report.round((System.nanoTime() - nanos) / 1e9);
  }
}
