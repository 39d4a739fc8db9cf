package io.ocfs2iscsi.e2e.kernel;

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

/**
 * The user stack on the real cluster ({@link KubeCluster}): an Ocfs2Cluster with {@code stack: user} applied with
 * kubectl, a volume on the test bed's second target formatted for it and mounted by writer pods on both nodes, a
 * POSIX ({@code fcntl}) write lock held in the pod on node1 that the pod on node2 has to wait for, and a rollout of
 * the node plugin that leaves corosync and dlm_controld running (same pids: the nodes have no systemd; corosync
 * leaves the plugin's cgroup by itself, the plugin moves dlm_controld into a host cgroup of its own) and the writes
 * going. The o2cb volume of the examples must be gone
 * first: one kernel runs one stack at a time. Numbers go to the report's {@code cluster} section, keys
 * {@code user_stack_*}.
 */
final class UserStackPath {

  static final String CLUSTER = "posix";
  static final String VOLUME = "posixlun";
  static final String CLAIM = "posix-data";
  static final String WRITERS = "app=posix-writers";
  static final String LOCK_FILE = "/share/locks.txt";
  /** The daemons, their pid files and the host cgroups the node plugin puts them in. */
  static final Map<String, String> PID_FILES = Map.of(
      "corosync", "/run/corosync.pid",
      "dlm_controld", "/run/dlm_controld/dlm_controld.pid");
  private static final Duration LONG = Duration.ofMinutes(6);

  /**
   * A lock probe in Perl (perl-base is in every Debian root, the node plugin's image too): a POSIX write lock
   * (F_SETLK, what lockf, SQLite and Java's FileChannel.lock take) on {@code $ARGV[0]}, held {@code $ARGV[1]}
   * seconds. Exit 0 when it got the lock, 1 when another holder has it.
   */
  static final String LOCK_PROBE = "use Fcntl; open(my $f, '+<', $ARGV[0]) or die \"open: $!\\n\";"
      + " fcntl($f, F_SETLK, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0)) or do { print \"busy: $!\\n\";"
      + " exit 1 }; print \"locked\\n\"; sleep($ARGV[1]); exit 0";
  /**
   * Waits in F_SETLKW for a POSIX write lock on {@code $ARGV[0]}; prints the whole seconds it waited (perl-base has
   * no Time::HiRes).
   */
  static final String LOCK_WAIT = "use Fcntl; open(my $f, '+<', $ARGV[0]) or die \"open: $!\\n\"; my $t = time;"
      + " fcntl($f, F_SETLKW, pack('s s x4 q q i x4', F_WRLCK, SEEK_SET, 0, 0, 0)) or die \"lock: $!\\n\";"
      + " printf(\"%d\\n\", time - $t)";

  private final KubeCluster cluster;
  private final Steps steps;
  private final Report report;
  private final Path work;
  private final Map<String, String> writerByNode = new LinkedHashMap<>();

  UserStackPath(KubeCluster cluster, Steps steps, Report report, Path work) {
    this.cluster = cluster;
    this.steps = steps;
    this.report = report;
    this.work = work;
  }

  /** The manifests: the cluster on the user stack, the volume on the second target, two writers on two nodes. */
  String manifests() {
    return """
        apiVersion: ocfs2iscsi.io/v1alpha1
        kind: Ocfs2Cluster
        metadata:
          name: %1$s
        spec:
          clusterName: %1$s
          stack: user
          nodeSelector:
            ocfs2iscsi.io/member: "true"
          addressCidr: 10.10.1.0/24
          userStack:
            tokenMs: 3000
            fencing: PersistentReservation
        ---
        apiVersion: ocfs2iscsi.io/v1alpha1
        kind: IscsiSharedVolume
        metadata:
          name: %2$s
        spec:
          target:
            iqn: iqn.2016-02.local.virtual:virtual.vg2
            lun: 1
            portals:
              - 192.168.0.180:3260
              - 10.20.1.180:3260
          multipath:
            alias: %2$s
          filesystem:
            clusterRef: %1$s
            label: POSIX
            blockSize: 4K
            clusterSize: 32K
            nodeSlots: 4
            format: IfUnformatted
            mountOptions: [noatime]
          persistentVolume:
            name: %2$s
            capacity: 1Gi
            reclaimPolicy: Retain
            claim:
              namespace: default
              name: %3$s
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: posix-writers
          namespace: default
        spec:
          replicas: 2
          selector:
            matchLabels:
              app: posix-writers
          template:
            metadata:
              labels:
                app: posix-writers
            spec:
              affinity:
                podAntiAffinity:
                  requiredDuringSchedulingIgnoredDuringExecution:
                    - labelSelector:
                        matchLabels:
                          app: posix-writers
                      topologyKey: kubernetes.io/hostname
              containers:
                - name: writer
                  # A Debian root (perl-base for the lock probes): the node plugin's image, local here.
                  image: %4$s
                  imagePullPolicy: Never
                  command:
                    - sh
                    - -c
                    - |
                      while true; do
                        date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ >> /share/$(cat /etc/hostname).log || echo "write failed at $(date -u +%%Y-%%m-%%dT%%H:%%M:%%SZ)"
                        sleep 1
                      done
                  volumeMounts:
                    - name: share
                      mountPath: /share
              volumes:
                - name: share
                  persistentVolumeClaim:
                    claimName: %3$s
        """.formatted(CLUSTER, VOLUME, CLAIM, cluster.imageOf("iscsi-ocfs2-node-plugin"));
  }

  void run() throws Exception {
    steps.step("the user stack: kubectl apply of an Ocfs2Cluster with stack: user and a volume on the second"
        + " LUN; claim Bound, writers Running on both nodes", () -> { apply(); return null; });
    steps.step("a POSIX (fcntl) write lock held in the pod on node1 makes the same lock wait in the pod on"
        + " node2", () -> { posixLock(); return null; });
    steps.step("kubectl rollout restart of the node plugin: corosync and dlm_controld keep running (same"
        + " pids), mounts and writes intact", () -> { rollout(); return null; });
  }

  private void apply() {
    Path file = work.resolve("user-stack.yaml");
    HostCommands.writeAtomically(file, manifests());
    List<String> validate = List.of("java", "-jar", TestBed.repoRoot().resolve("operator/target/operator.jar")
        .toString(), "validate", file.toString());
    steps.say("$ java -jar operator/target/operator.jar validate " + file);
    KubeCluster.ok(validate, cluster.type(validate));
    long t = System.nanoTime();
    List<String> apply = List.of("kubectl", "apply", "-f", file.toString());
    steps.say("$ kubectl apply -f " + file + "\n" + KubeCluster.ok(apply, cluster.type(apply)).stdout().strip());
    UserPath.waitFor(LONG, "claim " + CLAIM + " Bound", () -> "Bound".equals(
        cluster.kubectl("get", "pvc", CLAIM, "-o", "jsonpath={.status.phase}").stdout().trim()));
    report.put(UserPath.SECTION, "user_stack_apply_to_claim_bound_seconds", seconds(t));
    waitWritersRunning();
    report.put(UserPath.SECTION, "user_stack_apply_to_writers_running_seconds", seconds(t));
    String stack = cluster.kubectlOk("get", "isv", VOLUME, "-o",
        "jsonpath={.status.conditions[?(@.type==\"Formatted\")].message}");
    steps.say("Formatted: " + stack.strip());
    steps.say(cluster.kubectlOk("get", "ocfs2cluster", CLUSTER, "-o",
        "jsonpath={range .status.members[*]}{.nodeName}={.number} {end}"));
    for (String node : KubeCluster.NODES) {
      String label = cluster.bed().exec(node, Duration.ofSeconds(30), "cat", "/sys/fs/ocfs2/cluster_stack")
          .stdout().strip();
      check(label.equals("pcmk"), node + "'s kernel runs cluster stack '" + label + "', expected pcmk");
    }
    Map<String, String> daemons = daemons("after-apply");
    steps.say("daemons: " + daemons);
    String from = writerByNode.get(KubeCluster.NODES.get(0));
    String to = writerByNode.get(KubeCluster.NODES.get(1));
    exec(from, "sh", "-c", "echo from-" + from + " > /share/handoff && sync");
    String read = exec(to, "cat", "/share/handoff").strip();
    check(read.equals("from-" + from), to + " read '" + read + "' from /share/handoff");
  }

  private void posixLock() throws Exception {
    String pod1 = writerByNode.get(KubeCluster.NODES.get(0));
    String pod2 = writerByNode.get(KubeCluster.NODES.get(1));
    exec(pod1, "touch", LOCK_FILE);
    // Long enough for two kubectl exec round trips on a loaded host before the holder lets go.
    int holdSeconds = 20;
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<TestBed.ExecResult> holder = pool.submit(
          () -> cluster.kubectl("exec", pod1, "--", "perl", "-e", LOCK_PROBE, LOCK_FILE, Integer.toString(holdSeconds)));
      long t = System.nanoTime();
      TestBed.ExecResult[] last = {null};
      UserPath.waitFor(Duration.ofSeconds(holdSeconds - 6), "the pod on node2 refused the lock the pod on node1"
          + " holds", () -> {
            last[0] = cluster.kubectl("exec", pod2, "--", "perl", "-e", LOCK_PROBE, LOCK_FILE, "0");
            return last[0].exitCode() != 0 && last[0].stdout().startsWith("busy");
          });
      steps.say(pod2 + " F_SETLK: " + last[0].stdout().strip() + " (" + pod1 + " holds the lock)");
      Future<TestBed.ExecResult> waiter = pool.submit(
          () -> cluster.kubectl("exec", pod2, "--", "perl", "-e", LOCK_WAIT, LOCK_FILE));
      TestBed.ExecResult held = holder.get(2, TimeUnit.MINUTES);
      double heldFor = seconds(t);
      check(held.exitCode() == 0 && held.stdout().startsWith("locked"), pod1 + "'s lock: " + held);
      TestBed.ExecResult got = waiter.get(2, TimeUnit.MINUTES);
      check(got.exitCode() == 0, pod2 + "'s F_SETLKW: " + got);
      double waited = Double.parseDouble(got.stdout().strip());
      report.put(UserPath.SECTION, "user_stack_fcntl_refused_on_other_node", true);
      report.put(UserPath.SECTION, "user_stack_fcntl_wait_seconds", waited);
      steps.say(pod2 + " waited " + waited + " s in F_SETLKW until " + pod1 + " let go (held about "
          + Report.round(heldFor) + " s)");
      check(waited >= 1.0, pod2 + " got the lock after " + waited + " s: it did not wait for " + pod1);
    } finally {
      pool.shutdownNow();
    }
  }

  private void rollout() {
    Map<String, String> daemonsBefore = daemons("before-rollout");
    Map<String, String> mountsBefore = mounts();
    Instant start = Instant.now();
    long t = System.nanoTime();
    cluster.kubectlOk("-n", UserPath.RELEASE_NAMESPACE, "rollout", "restart", "daemonset/ocfs2iscsi-node-plugin");
    cluster.kubectlOk("-n", UserPath.RELEASE_NAMESPACE, "rollout", "status", "daemonset/ocfs2iscsi-node-plugin",
        "--timeout=6m");
    report.put(UserPath.SECTION, "user_stack_rollout_seconds", seconds(t));
    KubeCluster.sleep(Duration.ofSeconds(3));
    Map<String, String> daemonsAfter = daemons("after-rollout");
    report.put(UserPath.SECTION, "user_stack_rollout_daemons_kept", daemonsAfter.equals(daemonsBefore));
    check(daemonsAfter.equals(daemonsBefore), "corosync or dlm_controld changed in the node plugin's rollout: before "
        + daemonsBefore + ", after " + daemonsAfter);
    steps.say("daemons after the rollout: " + daemonsAfter);
    check(mounts().equals(mountsBefore), "the mounts changed in the rollout: before " + mountsBefore + ", after "
        + mounts());
    WriterLog.Window w = null;
    for (String node : writerByNode.keySet()) {
      String pod = writerByNode.get(node);
      WriterLog.Window one = WriterLog.parse(exec(pod, "cat", "/share/" + pod + ".log"),
          cluster.kubectl("logs", pod).stdout()).window(start, Instant.now());
      w = w == null ? one : w.and(one);
    }
    report.put(UserPath.SECTION, "user_stack_rollout_longest_write_gap_seconds", w.longestGapSeconds());
    report.put(UserPath.SECTION, "user_stack_rollout_failed_writes", w.failedWrites());
    check(w.failedWrites() == 0 && w.writes() > 0, "writes in the rollout: " + w);
    steps.say("writes during the rollout: " + w);
  }

  /**
   * Per node and daemon: its pid and the host cgroup it runs in (the outputs are kept under {@code work/captured}
   * with {@code when} in their names).
   */
  private Map<String, String> daemons(String when) {
    Map<String, String> found = new LinkedHashMap<>();
    for (String node : KubeCluster.NODES) {
      for (Map.Entry<String, String> d : new java.util.TreeMap<>(PID_FILES).entrySet()) {
        String pid = guest(node, when, d.getKey() + "-pid-file", "cat", d.getValue()).strip();
        check(pid.matches("[0-9]+"), node + ": " + d.getValue() + " holds '" + pid + "'");
        String cgroup = guest(node, when, d.getKey() + "-proc-cgroup", "cat", "/proc/" + pid + "/cgroup").strip();
        String session = guest(node, when, d.getKey() + "-pgrep-s", "pgrep", "-s", pid).strip();
        String pgrep = guest(node, when, d.getKey() + "-pgrep-x", "pgrep", "-x", d.getKey()).strip();
        check(pgrep.lines().toList().contains(pid), node + ": pgrep -x " + d.getKey() + " gave " + pgrep
            + ", the pid file " + pid);
        // Outside every pod's cgroup (kubelet's cgroupfs driver puts pods under /kubepods): corosync moves itself
        // to the root cgroup, the node plugin moves dlm_controld to /ocfs2-iscsi-daemons/dlm_controld.
        check(cgroup.startsWith("0::/") && !cgroup.startsWith("0::/kubepods"), node + ": " + d.getKey() + " (pid "
            + pid + ") runs in cgroup " + cgroup + ": a pod's, which the runtime kills with the pod");
        found.put(node + " " + d.getKey(), pid + " (session " + session.replace('\n', ',') + ", cgroup "
            + cgroup.substring(3) + ")");
      }
    }
    return found;
  }

  /** Runs a command in the guest, keeps its output under work/captured, returns it; it must succeed. */
  private String guest(String node, String when, String name, String... argv) {
    TestBed.ExecResult r = cluster.bed().exec(node, Duration.ofSeconds(30), argv);
    Path dir = work.resolve("captured");
    try {
      java.nio.file.Files.createDirectories(dir);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    HostCommands.writeAtomically(dir.resolve(when + "-" + node + "-" + name + ".txt"), r.stdout());
    check(r.exitCode() == 0, node + ": " + String.join(" ", argv) + ": exit " + r.exitCode() + " " + r.stderr());
    return r.stdout();
  }

  private Map<String, String> mounts() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String node : KubeCluster.NODES) {
      m.put(node, cluster.bed().exec(node, Duration.ofSeconds(30), "findmnt", "-rn", "-t", "ocfs2", "-o",
          "TARGET,SOURCE").stdout().trim());
    }
    return m;
  }

  private void waitWritersRunning() {
    UserPath.waitWritersRunning(cluster, WRITERS, LONG, writerByNode);
  }

  private String exec(String pod, String... argv) {
    List<String> args = new ArrayList<>(List.of("exec", pod, "--"));
    args.addAll(List.of(argv));
    return cluster.kubectlOk(args.toArray(String[]::new));
  }

  private static double seconds(long sinceNanos) {
    return Report.round((System.nanoTime() - sinceNanos) / 1e9);
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
