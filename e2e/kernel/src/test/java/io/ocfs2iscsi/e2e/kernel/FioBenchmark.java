package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * OCFS2 over multipath against what a user would pick instead, side by side on one test bed (e2e/bin/bench):
 * one raw path, the raw multipath map, OCFS2 over the map (staged by the node plugin) on one node and on both at
 * once, and kernel NFS (node1 exports ext4 on a multipath map; NFSv4.2) used by node2 and by both nodes at once.
 *
 * <p>The first LUN carries OCFS2. The second LUN, of the same size behind the same tgtd and on the same host disk,
 * carries both the ext4 filesystem node1 exports (its first 1536 MiB) and the raw devices' region (256 MiB from
 * 1792 MiB, outside the filesystem), so that every configuration runs in the same rounds: per round and job, each
 * configuration once, in alternating order (reversed every other round), against the same preallocated file or
 * region; the medians go to e2e/target/bench-report.json. Goals are reported, not asserted: the numbers of a shared
 * 2-core host are noisy, and the report says so.
 */
@Tag("benchmark")
class FioBenchmark {

  static final String N1 = "node1";
  static final String N2 = "node2";
  static final String POD1 = "pod-on-node1";
  static final String POD2 = "pod-on-node2";
  static final Duration CMD = Duration.ofSeconds(60);
  static final String LUN2_IQN = ReferenceVolume.TARGET2_IQN;
  static final String LUN2_WWID = "360000000000000000e00000000020001";
  static final List<String> PORTALS = List.of("192.168.0.180:3260", "10.20.1.180:3260");
  static final String SIZE = "256M";
  static final String EXT4_SIZE = "1536M";
  static final String RAW_OFFSET = "1792M";
  static final String NFS_EXPORT = "/srv/nfs";
  static final String NFS_MOUNT = "/mnt/nfs";
  static final String NFS_OPTIONS = "vers=4.2,proto=tcp,hard,timeo=600,retrans=2";
  static final String EXPORT_OPTIONS = "rw,sync,no_subtree_check,no_root_squash,fsid=1";
  static final int RAMP_SECONDS = 1;
  static final Duration VISIBILITY_LIMIT = Duration.ofSeconds(90);

  /** Creates, stats and deletes files of 4 KiB in a directory; prints the four phase boundaries (seconds). */
  static final String SMALL_FILES = String.join("\n",
      "dir=$1 n=$2",
      "t() { date +%s.%N; }",
      "mkdir -p \"$dir\" || exit 1",
      "s=$(t)",
      "perl -e 'my ($d,$n)=@ARGV; my $b=\"x\" x 4096; for my $i (1..$n) { open(my $f, \">\", \"$d/f$i\")"
          + " or die \"$d/f$i: $!\"; print $f $b or die; close($f) or die \"$d/f$i: $!\"; }' \"$dir\" \"$n\" || exit 1",
      "sync -f \"$dir\" || exit 1",
      "c=$(t)",
      "perl -e 'my ($d,$n)=@ARGV; for my $i (1..$n) { my @s = stat(\"$d/f$i\") or die \"$d/f$i: $!\";"
          + " $s[7] == 4096 or die \"$d/f$i: size $s[7]\"; }' \"$dir\" \"$n\" || exit 1",
      "st=$(t)",
      "perl -e 'my ($d,$n)=@ARGV; for my $i (1..$n) { unlink(\"$d/f$i\") or die \"$d/f$i: $!\"; }' \"$dir\" \"$n\""
          + " || exit 1",
      "sync -f \"$dir\" || exit 1",
      "e=$(t)",
      "rmdir \"$dir\"",
      "echo \"$s $c $st $e\"");

  /**
   * Polls a file every 10 ms until its first line is the token, then writes the time it saw it to the out file
   * (or "timeout" after the limit). Reads with the shell's own redirection: no process per poll.
   */
  static final String WATCH = String.join("\n",
      "f=$1 token=$2 limit=$3 out=$4",
      "end=$((SECONDS + limit))",
      "while ((SECONDS < end)); do",
      "  if read -r line 2>/dev/null <\"$f\" && [[ $line == \"$token\" ]]; then",
      "    date +%s.%N >\"$out.tmp\" && mv \"$out.tmp\" \"$out\"; exit 0",
      "  fi",
      "  sleep 0.01",
      "done",
      "echo timeout >\"$out.tmp\"; mv \"$out.tmp\" \"$out\"; exit 1");

  /** Prints the time, then writes the token to the file (open, write, close). */
  static final String WRITE_TOKEN = "date +%s.%N; echo \"$2\" >\"$1\"";

  /** A configuration: per node the target of its fio job; with two nodes both run at once and their rates add up. */
  record Config(String name, String description, Map<String, Fio.Target> targets) {}

  final int runs = Integer.getInteger("bench.runs", 3);
  final int runtime = Integer.getInteger("bench.runtime", 3);
  final int smallFiles = Integer.getInteger("bench.small-files", 10000);
  final int smallFileRuns = Integer.getInteger("bench.small-file-runs", 1);
  final int visibilityRuns = Integer.getInteger("bench.visibility-runs", 3);
  final Report report = new Report();
  final ExecutorService pool = Executors.newFixedThreadPool(2);
  /** The OCFS2 volume as the scenarios stage it (the reference volume). */
  final VolumeSpec ocfs2 = ReferenceVolume.volume();
  PluginBed bed;
  Kubelet kubelet;

  static Path reportPath() {
    return TestBed.repoRoot().resolve("e2e/target/bench-report.json");
  }

  static Path plotDataPath() {
    return TestBed.repoRoot().resolve("e2e/target/bench-plot.dat");
  }

  @Test
  @Timeout(value = 45, unit = TimeUnit.MINUTES)
  void ocfs2AgainstRawDevicesAndNfs() throws Exception {
    long start = System.nanoTime();
    report.put("bench", "started", Instant.now().toString());
    report.put("bench", "settings", settings());
    report.put("bench", "load_average_at_start", loadAverage());
    hostFacts();
    try {
      long t = System.nanoTime();
      bed = PluginBed.start("2G");
      kubelet = new Kubelet(bed);
      report.put("bench", "test_bed_start_seconds", secondsSince(t));
      t = System.nanoTime();
      stageOcfs2();
      String[] lun2 = prepareLun2();
      startNfs();
      report.put("bench", "setup_seconds", secondsSince(t));
      guestFacts();
      List<Config> configs = configs(lun2[0], lun2[1]);
      t = System.nanoTime();
      fill(configs);
      report.put("bench", "fill_seconds", secondsSince(t));
      t = System.nanoTime();
      Map<String, Map<String, List<Fio.Result>>> results = rounds(configs);
      report.put("bench", "fio_rounds_seconds", secondsSince(t));
      summarize(configs, results);
      t = System.nanoTime();
      writeLoss(lun2[1]);
      report.put("bench", "write_loss_seconds", secondsSince(t));
      t = System.nanoTime();
      smallFiles();
      report.put("bench", "small_files_seconds", secondsSince(t));
      t = System.nanoTime();
      visibility();
      report.put("bench", "visibility_seconds", secondsSince(t));
      pluginMemory();
      goals();
      writePlotData(configs);
    } finally {
      report.put("bench", "load_average_at_end", loadAverage());
      report.put("bench", "total_seconds", secondsSince(start));
      pool.shutdownNow();
      Path file = report.write(reportPath());
      System.out.println("bench report " + file + ":\n" + report.json());
      if (bed != null) {
        bed.close();
      }
    }
    assertThat(report.get("ratios", "seq-write-1m_ocfs2_over_map")).as("the report has its ratios").isNotNull();
  }

  Map<String, Object> settings() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("rounds", runs);
    s.put("fio_runtime_seconds", runtime);
    s.put("fio_ramp_seconds", RAMP_SECONDS);
    s.put("fio_target_size", SIZE);
    s.put("small_files", smallFiles);
    s.put("small_file_runs", smallFileRuns);
    s.put("visibility_runs", visibilityRuns);
    s.put("order", "per round and job every configuration once; order reversed every other round");
    return s;
  }

  // ---- setup --------------------------------------------------------------------------------------------------

  /** o2cb on both nodes, OCFS2 formatted once, staged and published on both nodes by the node plugin. */
  void stageOcfs2() throws Exception {
    for (String n : bed.nodes()) {
      assertThat(bed.applyCluster(n, ReferenceVolume.cluster(bed.bed(), "1")).getOnline())
          .as("o2cb online on %s", n).isTrue();
    }
    FormatVolumeResponse f = bed.format(N1, ocfs2);
    assertThat(f.getOutcome()).as("%s", f).isEqualTo(FormatVolumeResponse.Outcome.FORMATTED);
    // Both nodes stage at once, as two pods of a ReadWriteMany claim starting together do.
    List<Future<Double>> staging = new ArrayList<>();
    for (String n : List.of(N1, N2)) {
      staging.add(pool.submit(() -> {
        long t = System.nanoTime();
        kubelet.stage(n, ocfs2);
        double seconds = secondsSince(t);
        kubelet.publish(n, ocfs2, pod(n));
        return seconds;
      }));
    }
    for (int i = 0; i < 2; i++) {
      String n = List.of(N1, N2).get(i);
      report.put("node_stage", n + "_seconds", staging.get(i).get(5, TimeUnit.MINUTES));
      report.section("node_stage").putAll(StageLog.steps(bed.pluginLog(n), n + "_step_"));
    }
    report.put("node_stage", "note", "both nodes staged at once; step times as the node plugin logs them");
    report.put("ocfs2", "volume", ocfs2.getFilesystem().toString().replace('\n', ' ').trim());
    report.put("ocfs2", "mount", mountLine(N1, Kubelet.stagingPath(ocfs2.getVolumeId())));
    report.put("ocfs2", "map", bed.run(N1, CMD, "multipath", "-ll", ocfs2.getMultipath().getAlias()).strip());
  }

  /**
   * node1 logs in to the second LUN on both portals; returns {one path's device, the map's device}. The map is the
   * one multipathd builds by itself (the guest's defaults: multibus, round-robin, like the OCFS2 volume's map).
   */
  String[] prepareLun2() {
    List<String> paths = new ArrayList<>();
    for (String portal : PORTALS) {
      bed.run(N1, CMD, "iscsiadm", "-m", "node", "-o", "new", "-T", LUN2_IQN, "-p", portal);
      TestBed.ExecResult login = bed.exec(N1, CMD, "iscsiadm", "-m", "node", "-T", LUN2_IQN, "-p", portal, "--login");
      assertThat(login.exitCode()).as("login to %s on %s: %s", LUN2_IQN, portal, login.stderr()).isIn(0, 15);
      String byPath = "/dev/disk/by-path/ip-" + portal + "-iscsi-" + LUN2_IQN + "-lun-1";
      assertThat(Poll.waitFor(CMD, Duration.ofMillis(500),
          () -> bed.exec(N1, CMD, "test", "-b", byPath).exitCode() == 0)).as("%s appeared", byPath).isTrue();
      paths.add(bed.run(N1, CMD, "readlink", "-f", byPath).trim());
    }
    String byId = "/dev/disk/by-id/dm-uuid-mpath-" + LUN2_WWID;
    if (!Poll.waitFor(Duration.ofSeconds(20), Duration.ofMillis(500),
        () -> bed.exec(N1, CMD, "test", "-b", byId).exitCode() == 0)) {
      // find_multipaths strict (if the plugin's configuration set it): register the WWID, then build the map.
      bed.exec(N1, CMD, "multipath", "-a", paths.get(0));
      bed.exec(N1, CMD, "multipath", paths.get(0));
    }
    assertThat(Poll.waitFor(CMD, Duration.ofMillis(500),
        () -> bed.exec(N1, CMD, "test", "-b", byId).exitCode() == 0)).as("%s appeared", byId).isTrue();
    String map = bed.run(N1, CMD, "readlink", "-f", byId).trim();
    String ll = bed.run(N1, CMD, "multipath", "-ll", LUN2_WWID).strip();
    assertThat(ll).as("both paths in the second LUN's map").contains(paths.get(0).substring(5))
        .contains(paths.get(1).substring(5));
    report.put("raw", "single_path", paths.get(0) + " (portal " + PORTALS.get(0) + ")");
    report.put("raw", "map", map);
    report.put("raw", "map_ll", ll);
    report.put("raw", "region", "offset " + RAW_OFFSET + ", " + SIZE + " (after the ext4 filesystem of "
        + EXT4_SIZE + " on the same LUN)");
    return new String[] {paths.get(0), map};
  }

  /** ext4 on the second LUN's map (first 1536 MiB), exported by kernel nfsd on node1, mounted on both nodes. */
  void startNfs() {
    String map = (String) report.get("raw", "map");
    long t = System.nanoTime();
    bed.run(N1, Duration.ofMinutes(3), "mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0",
        map, EXT4_SIZE);
    report.put("nfs", "mkfs_ext4_seconds", secondsSince(t));
    bed.run(N1, CMD, "mkdir", "-p", NFS_EXPORT);
    bed.run(N1, CMD, "mount", map, NFS_EXPORT);
    bed.run(N1, CMD, "modprobe", "nfsd");
    bed.run(N1, CMD, "mount", "-t", "nfsd", "nfsd", "/proc/fs/nfsd");
    bed.run(N1, CMD, "bash", "-c", "printf '%s\\n' \"$1\" >/etc/exports", "exports",
        NFS_EXPORT + " 10.10.1.0/24(" + EXPORT_OPTIONS + ")");
    bed.run(N1, CMD, "rpcbind");
    bed.run(N1, CMD, "exportfs", "-ra");
    bed.run(N1, CMD, "rpc.mountd");
    // A 10 s grace period instead of 90 s: a fresh server has no client state to reclaim.
    bed.run(N1, CMD, "rpc.nfsd", "--grace-time", "10", "8");
    String server = bed.bed().node(N1).mgmtIp();
    for (String n : List.of(N2, N1)) {
      bed.run(n, CMD, "modprobe", "nfsv4");
      bed.run(n, CMD, "mkdir", "-p", NFS_MOUNT);
      bed.run(n, CMD, "mount", "-t", "nfs", "-o", NFS_OPTIONS, server + ":" + NFS_EXPORT, NFS_MOUNT);
      bed.run(n, Duration.ofMinutes(2), "touch", NFS_MOUNT + "/ready-" + n);
    }
    report.put("nfs", "server", "kernel nfsd on node1 (8 threads), /etc/exports: " + NFS_EXPORT + " 10.10.1.0/24("
        + EXPORT_OPTIONS + "), over the management network");
    report.put("nfs", "ext4_mount", mountLine(N1, NFS_EXPORT));
    report.put("nfs", "client_mount_node2", mountLine(N2, NFS_MOUNT));
    report.put("nfs", "client_mount_node1", mountLine(N1, NFS_MOUNT) + " (node1 uses its own export through NFS, as"
        + " every node of an NFS share does)");
  }

  List<Config> configs(String path, String map) {
    String f1 = Kubelet.publishPath(ocfs2.getVolumeId(), POD1) + "/bench-node1.fio";
    String f2 = Kubelet.publishPath(ocfs2.getVolumeId(), POD2) + "/bench-node2.fio";
    String n1 = NFS_MOUNT + "/bench-node1.fio";
    String n2 = NFS_MOUNT + "/bench-node2.fio";
    return List.of(
        new Config("path", "one raw path of the second LUN (portal A), node1",
            Map.of(N1, new Fio.Target(path, RAW_OFFSET, SIZE))),
        new Config("map", "the raw multipath map of the second LUN (2 paths), node1",
            Map.of(N1, new Fio.Target(map, RAW_OFFSET, SIZE))),
        new Config("ocfs2", "a file on OCFS2 over the first LUN's map, node1", Map.of(N1, Fio.Target.file(f1, SIZE))),
        new Config("ocfs2-2nodes", "a file each on OCFS2, node1 and node2 at once (sum)",
            orderedMap(N1, Fio.Target.file(f1, SIZE), N2, Fio.Target.file(f2, SIZE))),
        new Config("nfs", "a file on the NFS export, client node2", Map.of(N2, Fio.Target.file(n2, SIZE))),
        new Config("nfs-2nodes", "a file each on the NFS export, node1 and node2 at once (sum)",
            orderedMap(N1, Fio.Target.file(n1, SIZE), N2, Fio.Target.file(n2, SIZE))));
  }

  static Map<String, Fio.Target> orderedMap(String k1, Fio.Target v1, String k2, Fio.Target v2) {
    Map<String, Fio.Target> m = new LinkedHashMap<>();
    m.put(k1, v1);
    m.put(k2, v2);
    return m;
  }

  // ---- fio ------------------------------------------------------------------------------------------------------

  /** Writes every target once (a new file on the filesystems): the files the rounds overwrite and read. */
  void fill(List<Config> configs) {
    Map<String, Object> fill = report.section("fill_new_file_mb_s");
    Map<String, Fio.Target> done = new LinkedHashMap<>();
    for (Config c : configs) {
      c.targets().forEach((node, target) -> {
        String key = node + ":" + target.filename();
        if (!done.containsKey(key)) {
          done.put(key, target);
          Fio.Result r = Fio.run(bed.bed(), node, Duration.ofMinutes(5), Fio.fillArgv(target, "none"));
          fill.put(c.name() + "_" + node, Report.round(r.mbPerSecond()));
        }
      });
    }
    fill.put("command", String.join(" ", Fio.fillArgv(Fio.Target.file("/FILE", SIZE), "none")));
  }

  Map<String, Map<String, List<Fio.Result>>> rounds(List<Config> configs) throws Exception {
    Map<String, Map<String, List<Fio.Result>>> results = new LinkedHashMap<>();
    for (Config c : configs) {
      Map<String, List<Fio.Result>> perJob = new LinkedHashMap<>();
      Fio.JOBS.forEach(j -> perJob.put(j.name(), new ArrayList<>()));
      results.put(c.name(), perJob);
    }
    for (int round = 0; round < runs; round++) {
      for (Fio.Job job : Fio.JOBS) {
        List<Config> order = new ArrayList<>(configs);
        if (round % 2 == 1) {
          java.util.Collections.reverse(order);
        }
        for (Config c : order) {
          results.get(c.name()).get(job.name()).add(runConfig(c, job));
        }
      }
    }
    Map<String, Object> lines = report.section("fio_jobs");
    for (Fio.Job job : Fio.JOBS) {
      lines.put(job.name(), String.join(" ", Fio.argv(job, new Fio.Target("/FILE", "0", SIZE), runtime,
          RAMP_SECONDS)));
    }
    lines.put("note", "FILE: the configuration's file, or the raw device with --offset=" + RAW_OFFSET
        + "; two-node configurations run the job on both nodes at once (started together, 1 s ramp not counted);"
        + " before every run node1 (the NFS server) runs sync and drops its page cache");
    return results;
  }

  /**
   * Runs the job of every node of the configuration at once. First node1 (the NFS server) writes back and drops its
   * page cache: nfsd reads and writes ext4 through it whatever the clients' O_DIRECT says, so without this the NFS
   * configurations would read the previous run's bytes from node1's memory instead of from the LUN (within a run,
   * re-read bytes still come from there; the raw devices and OCFS2 bypass it with O_DIRECT).
   */
  Fio.Result runConfig(Config c, Fio.Job job) throws Exception {
    Duration limit = Duration.ofSeconds(runtime + RAMP_SECONDS + 120L);
    bed.run(N1, CMD, "bash", "-c", "sync && echo 3 >/proc/sys/vm/drop_caches");
    List<Future<Fio.Result>> running = new ArrayList<>();
    for (Map.Entry<String, Fio.Target> e : c.targets().entrySet()) {
      List<String> argv = Fio.argv(job, e.getValue(), runtime, RAMP_SECONDS);
      running.add(pool.submit(() -> Fio.run(bed.bed(), e.getKey(), limit, argv)));
    }
    Fio.Result sum = new Fio.Result(0, 0, 0, 0);
    for (Future<Fio.Result> f : running) {
      sum = sum.plus(f.get(limit.toSeconds() + 60, TimeUnit.SECONDS));
    }
    return sum;
  }

  void summarize(List<Config> configs, Map<String, Map<String, List<Fio.Result>>> results) {
    Map<String, Object> desc = report.section("configurations");
    configs.forEach(c -> desc.put(c.name(), c.description()));
    Map<String, Object> raw = report.section("fio_runs");
    Map<String, Object> med = report.section("fio_medians");
    for (Config c : configs) {
      for (Fio.Job job : Fio.JOBS) {
        List<Fio.Result> rs = results.get(c.name()).get(job.name());
        String key = c.name() + "_" + job.name();
        raw.put(key + "_mb_s", rs.stream().map(r -> Report.round(r.mbPerSecond())).toList());
        raw.put(key + "_iops", rs.stream().map(r -> Report.round(r.iops())).toList());
        med.put(key + "_mb_s", Report.round(GuestIo.median(rs.stream().map(Fio.Result::mbPerSecond).toList())));
        med.put(key + "_iops", Report.round(GuestIo.median(rs.stream().map(Fio.Result::iops).toList())));
      }
    }
    Map<String, Object> ratios = report.section("ratios");
    for (Fio.Job job : Fio.JOBS) {
      String j = job.name();
      ratios.put(j + "_ocfs2_over_map", ratio("ocfs2_" + j, "map_" + j));
      ratios.put(j + "_map_over_path", ratio("map_" + j, "path_" + j));
      ratios.put(j + "_ocfs2_2nodes_over_nfs_2nodes", ratio("ocfs2-2nodes_" + j, "nfs-2nodes_" + j));
      ratios.put(j + "_ocfs2_over_nfs", ratio("ocfs2_" + j, "nfs_" + j));
    }
  }

  double ratio(String a, String b) {
    double x = (Double) report.get("fio_medians", a + "_mb_s");
    double y = (Double) report.get("fio_medians", b + "_mb_s");
    return Report.round(x / y);
  }

  // ---- where the write ratio goes -------------------------------------------------------------------------------

  /**
   * Sequential 1 MiB direct writes on OCFS2 (node1), alternating with the raw map: into a new file per run (blocks
   * allocated while written), into a new file preallocated with fallocate (unwritten extents converted while
   * written), and over the already written file of the rounds; with the OCFS2 journal's (jbd2) transaction count
   * before and after each run.
   */
  void writeLoss(String map) {
    String dir = Kubelet.publishPath(ocfs2.getVolumeId(), POD1);
    String dev = bed.run(N1, CMD, "readlink", "-f", "/dev/mapper/" + ocfs2.getMultipath().getAlias()).trim();
    String journal = dev.substring("/dev/".length()) + "-";
    Map<String, List<Double>> mb = new LinkedHashMap<>();
    Map<String, List<Long>> tx = new LinkedHashMap<>();
    for (String k : List.of("map_overwrite", "ocfs2_new_file", "ocfs2_new_file_fallocate", "ocfs2_overwrite")) {
      mb.put(k, new ArrayList<>());
      tx.put(k, new ArrayList<>());
    }
    Fio.Job seqWrite = Fio.JOBS.get(0);
    for (int i = 0; i < runs; i++) {
      long before = journalTransactions(journal);
      mb.get("map_overwrite").add(Fio.run(bed.bed(), N1, Duration.ofMinutes(3),
          Fio.argv(seqWrite, new Fio.Target(map, RAW_OFFSET, SIZE), runtime, RAMP_SECONDS)).mbPerSecond());
      tx.get("map_overwrite").add(journalTransactions(journal) - before);
      for (String kind : List.of("none", "native")) {
        String key = kind.equals("none") ? "ocfs2_new_file" : "ocfs2_new_file_fallocate";
        String file = dir + "/new-" + kind + ".fio";
        bed.run(N1, CMD, "rm", "-f", file);
        bed.run(N1, CMD, "sync", "-f", dir);
        before = journalTransactions(journal);
        mb.get(key).add(Fio.run(bed.bed(), N1, Duration.ofMinutes(3), Fio.fillArgv(Fio.Target.file(file, SIZE),
            kind)).mbPerSecond());
        tx.get(key).add(journalTransactions(journal) - before);
        bed.run(N1, CMD, "rm", "-f", file);
      }
      before = journalTransactions(journal);
      mb.get("ocfs2_overwrite").add(Fio.run(bed.bed(), N1, Duration.ofMinutes(3), Fio.argv(seqWrite,
          Fio.Target.file(dir + "/bench-node1.fio", SIZE), runtime, RAMP_SECONDS)).mbPerSecond());
      tx.get("ocfs2_overwrite").add(journalTransactions(journal) - before);
    }
    Map<String, Object> s = report.section("write_loss");
    s.put("what", "seq-write-1m on node1, alternating: raw map (overwrite), OCFS2 new file (no preallocation, "
        + SIZE + " written once with end_fsync), OCFS2 new file preallocated with fallocate (unwritten extents), "
        + "OCFS2 overwrite of the written file (time based, as in the rounds); jbd2 transactions of the OCFS2 "
        + "journal (/proc/fs/jbd2/" + journal + "*/info, all slots) during each run");
    s.put("ocfs2_cluster_size", ocfs2.getFilesystem().getClusterSize());
    mb.forEach((k, v) -> {
      s.put(k + "_runs_mb_s", v.stream().map(Report::round).toList());
      s.put(k + "_mb_s", Report.round(GuestIo.median(v)));
    });
    tx.forEach((k, v) -> s.put(k + "_journal_transactions", v));
    double map0 = (Double) s.get("map_overwrite_mb_s");
    for (String k : List.of("ocfs2_new_file", "ocfs2_new_file_fallocate", "ocfs2_overwrite")) {
      s.put(k + "_over_map", Report.round((Double) s.get(k + "_mb_s") / map0));
    }
  }

  /** The sum of the "N transactions" lines of the jbd2 journals whose name starts with {@code prefix}. */
  long journalTransactions(String prefix) {
    TestBed.ExecResult r = bed.exec(N1, CMD, "bash", "-c",
        "cat /proc/fs/jbd2/\"$1\"*/info 2>/dev/null | awk '/ transactions/ {s += $1} END {print s + 0}'",
        "jbd2", prefix);
    return r.exitCode() == 0 ? Long.parseLong(r.stdout().trim()) : -1;
  }

  // ---- small files and visibility --------------------------------------------------------------------------------

  void smallFiles() {
    Map<String, List<double[]>> rates = new LinkedHashMap<>();
    rates.put("ocfs2", new ArrayList<>());
    rates.put("nfs", new ArrayList<>());
    String ocfs2Dir = Kubelet.publishPath(ocfs2.getVolumeId(), POD1);
    Duration limit = Duration.ofMinutes(12);
    for (int i = 0; i < smallFileRuns; i++) {
      List<String> order = i % 2 == 0 ? List.of("ocfs2", "nfs") : List.of("nfs", "ocfs2");
      for (String fs : order) {
        String node = fs.equals("ocfs2") ? N1 : N2;
        String dir = (fs.equals("ocfs2") ? ocfs2Dir : NFS_MOUNT) + "/small-" + i;
        String out = bed.run(node, limit, "bash", "-c", SMALL_FILES, "small-files", dir,
            Integer.toString(smallFiles)).trim();
        String[] t = out.split(" ");
        double s = Double.parseDouble(t[0]);
        double c = Double.parseDouble(t[1]);
        double st = Double.parseDouble(t[2]);
        double e = Double.parseDouble(t[3]);
        rates.get(fs).add(new double[] {smallFiles / (c - s), smallFiles / (st - c), smallFiles / (e - st)});
      }
    }
    Map<String, Object> s = report.section("small_files");
    s.put("what", smallFiles + " files of 4 KiB in one directory: create (open, write, close; then syncfs), stat"
        + " (same node, right after), delete (then syncfs); perl in the guest; OCFS2 on node1, NFS client node2");
    String[] phases = {"create", "stat", "delete"};
    for (String fs : rates.keySet()) {
      for (int p = 0; p < phases.length; p++) {
        int pi = p;
        List<Double> v = rates.get(fs).stream().map(r -> r[pi]).toList();
        s.put(fs + "_" + phases[p] + "_runs_files_s", v.stream().map(Report::round).toList());
        s.put(fs + "_" + phases[p] + "_files_s", Report.round(GuestIo.median(v)));
      }
    }
    for (String phase : phases) {
      report.put("ratios", "small_files_" + phase + "_ocfs2_over_nfs", Report.round(
          (Double) s.get("ocfs2_" + phase + "_files_s") / (Double) s.get("nfs_" + phase + "_files_s")));
    }
  }

  /** A file written on node1 (open, write, close), polled for on node2 every 10 ms: the time until node2 reads it. */
  void visibility() {
    Map<String, List<Double>> seen = new LinkedHashMap<>();
    seen.put("ocfs2", new ArrayList<>());
    seen.put("nfs", new ArrayList<>());
    Map<String, Integer> timeouts = new LinkedHashMap<>(Map.of("ocfs2", 0, "nfs", 0));
    for (int i = 0; i < visibilityRuns; i++) {
      for (String fs : i % 2 == 0 ? List.of("ocfs2", "nfs") : List.of("nfs", "ocfs2")) {
        String name = "visible-" + fs + "-" + i;
        String w = fs.equals("ocfs2") ? Kubelet.publishPath(ocfs2.getVolumeId(), POD1) : NFS_MOUNT;
        String r = fs.equals("ocfs2") ? Kubelet.publishPath(ocfs2.getVolumeId(), POD2) : NFS_MOUNT;
        String token = name + "-" + System.nanoTime();
        Path out = bed.bed().ctlDir(N2).resolve(name + ".seen");
        bed.bed().spawn(N2, "bash", "-c", WATCH, "watch", r + "/" + name, token,
            Long.toString(VISIBILITY_LIMIT.toSeconds()), "/ctl/" + name + ".seen");
        Poll.sleep(Duration.ofSeconds(2));
        double written = Double.parseDouble(bed.run(N1, CMD, "bash", "-c", WRITE_TOKEN, "write", w + "/" + name,
            token).trim());
        boolean done = Poll.waitFor(VISIBILITY_LIMIT.plusSeconds(30), Duration.ofMillis(200),
            () -> Files.exists(out));
        String text = done ? read(out).trim() : "timeout";
        if (text.equals("timeout")) {
          timeouts.merge(fs, 1, Integer::sum);
        } else {
          seen.get(fs).add(Double.parseDouble(text) - written);
        }
      }
    }
    Map<String, Object> s = report.section("cross_node_visibility");
    s.put("what", "node1 writes a new file (open, write, close); node2, already polling that name every 10 ms"
        + " (a read of the file's first line), records when it reads the token; each UML guest keeps its own clock"
        + " (set from the host's at boot: they differ by a few tens of ms, so values below 0.1 s, even negative"
        + " ones, mean 'at once'); limit " + VISIBILITY_LIMIT.toSeconds() + " s");
    for (String fs : seen.keySet()) {
      s.put(fs + "_runs_seconds", seen.get(fs).stream().map(x -> Report.round(x * 1000) / 1000).toList());
      s.put(fs + "_median_seconds", seen.get(fs).isEmpty() ? null
          : Report.round(GuestIo.median(seen.get(fs)) * 1000) / 1000);
      s.put(fs + "_timeouts", timeouts.get(fs));
    }
  }

  void pluginMemory() {
    for (String n : bed.nodes()) {
      Integer pid = bed.pluginPid(n);
      String rss = bed.run(n, CMD, "ps", "-o", "rss=", "-p", pid.toString()).trim();
      report.put("node_plugin_memory", n + "_rss_mib", Report.round(Long.parseLong(rss) / 1024.0));
    }
    report.put("node_plugin_memory", "when", "after the benchmark's I/O (staged, published, two volumes' worth of"
        + " health), java -Xmx256m -XX:+UseSerialGC as PluginBed starts it");
  }

  // ---- goals, facts, plot ---------------------------------------------------------------------------------------

  void goals() {
    Map<String, Object> g = report.section("goals");
    for (String j : List.of("seq-write-1m", "seq-read-1m")) {
      double r = (Double) report.get("ratios", j + "_ocfs2_over_map");
      g.put(j + "_ocfs2_over_map", Map.of("goal", ">= 0.90", "measured", r, "met", r >= 0.9,
          "by", Report.round(r - 0.9)));
      double m = (Double) report.get("ratios", j + "_map_over_path");
      g.put(j + "_map_over_path", Map.of("goal", ">= 1.00", "measured", m, "met", m >= 1.0,
          "by", Report.round(m - 1.0)));
    }
    for (Fio.Job job : Fio.JOBS) {
      double r = (Double) report.get("ratios", job.name() + "_ocfs2_2nodes_over_nfs_2nodes");
      g.put(job.name() + "_ocfs2_2nodes_over_nfs_2nodes", Map.of("goal", ">= 1.50", "measured", r,
          "met", r >= 1.5, "by", Report.round(r - 1.5)));
    }
    for (String n : bed.nodes()) {
      double rss = (Double) report.get("node_plugin_memory", n + "_rss_mib");
      g.put("node_plugin_rss_" + n, Map.of("goal", "< 160 MiB", "measured", rss, "met", rss < 160,
          "by", Report.round(160 - rss)));
    }
    g.put("not_measured_here", "failover bounds and NodeStage against its raw commands: NodePluginScenariosTest"
        + " (e2e/target/e2e-report.json); node_stage here has the stage RPC time and the plugin's own step times");
  }

  void writePlotData(List<Config> configs) throws IOException {
    StringBuilder sb = new StringBuilder();
    sb.append("# e2e/bin/bench: fio medians; block 0: sequential MB/s, block 1: random IOPS\n");
    for (int block = 0; block < 2; block++) {
      sb.append("job");
      configs.forEach(c -> sb.append(' ').append(c.name()));
      sb.append('\n');
      for (Fio.Job job : Fio.JOBS) {
        if (job.sequential() != (block == 0)) {
          continue;
        }
        sb.append(job.name());
        for (Config c : configs) {
          String key = c.name() + "_" + job.name() + (block == 0 ? "_mb_s" : "_iops");
          sb.append(' ').append(report.get("fio_medians", key));
        }
        sb.append('\n');
      }
      sb.append("\n\n");
    }
    Files.createDirectories(plotDataPath().getParent());
    Files.writeString(plotDataPath(), sb.toString(), StandardCharsets.UTF_8);
  }

  void hostFacts() {
    Map<String, Object> h = report.section("host");
    h.put("cpus", Runtime.getRuntime().availableProcessors());
    h.put("cpu_model", firstMatch(readQuietly(Path.of("/proc/cpuinfo")), "model name\\s*:\\s*(.+)"));
    h.put("mem_total", firstMatch(readQuietly(Path.of("/proc/meminfo")), "MemTotal:\\s*(.+)"));
    h.put("kernel", readQuietly(Path.of("/proc/sys/kernel/osrelease")).trim());
    h.put("tgt", dpkgVersion("tgt"));
    h.put("user_mode_linux", dpkgVersion("user-mode-linux"));
  }

  void guestFacts() {
    Map<String, Object> g = report.section("guest");
    g.put("kernel", bed.run(N1, CMD, "uname", "-r").trim());
    g.put("fio_version", bed.run(N1, CMD, "fio", "--version").trim());
    String pkgs = bed.run(N1, CMD, "dpkg-query", "-W", "-f", "${Package} ${Version}\\n", "fio", "nfs-kernel-server",
        "nfs-common", "ocfs2-tools", "multipath-tools", "open-iscsi", "e2fsprogs");
    pkgs.lines().map(l -> l.split(" ", 2)).filter(p -> p.length == 2).forEach(p -> g.put(p[0], p[1]));
    g.put("memory", bed.run(N1, CMD, "bash", "-c", "grep MemTotal /proc/meminfo").trim());
  }

  static String dpkgVersion(String pkg) {
    try {
      Process p = new ProcessBuilder("dpkg-query", "-W", "-f", "${Version}", pkg).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? out : "?";
    } catch (IOException e) {
      return "?";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "?";
    }
  }

  static String loadAverage() {
    return readQuietly(Path.of("/proc/loadavg")).trim();
  }

  static String readQuietly(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String firstMatch(String text, String regex) {
    Matcher m = Pattern.compile(regex, Pattern.MULTILINE).matcher(text);
    return m.find() ? m.group(1).trim() : "?";
  }

  String mountLine(String node, String mountPoint) {
    return bed.run(node, CMD, "bash", "-c", "awk -v m=\"$1\" '$2 == m' /proc/mounts", "mounts", mountPoint).strip();
  }

  static String pod(String node) {
    return node.equals(N1) ? POD1 : POD2;
  }

  static double secondsSince(long t0) {
    return Report.round((System.nanoTime() - t0) / 1e9);
  }
}
