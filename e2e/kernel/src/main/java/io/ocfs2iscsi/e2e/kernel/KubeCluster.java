package io.ocfs2iscsi.e2e.kernel;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The test bed's guests as the nodes of a real Kubernetes cluster: the SAN and two real-kernel guests
 * ({@link TestBed}), the local control plane (kube-apiserver, kube-controller-manager, kube-scheduler of
 * {@code e2e/control-plane}) bound to the host's end of the management network, and in every guest containerd,
 * kubelet and kube-proxy ({@code e2e/guest/vm/kube-node}) with the locally built images imported. Nothing here writes
 * a Kubernetes object: kubelet registers its Node and CSINode, and everything else is done by what a user types
 * ({@link #kubectl}, {@link #helm}).
 *
 * <p>What the guests run comes from {@code e2e/guest/cluster-bundle} (cached builds of kubelet, kube-proxy,
 * containerd, the pause, busybox, operator and node-plugin images, and helm).
 */
public final class KubeCluster implements AutoCloseable {

  public static final List<String> NODES = List.of("node1", "node2");
  /** Memory of each guest: kubelet, containerd, kube-proxy, the node plugin's JVM, the operator's JVM, a workload. */
  static final String GUEST_MEMORY = "1536M";
  private static final Duration NODE_READY_TIMEOUT = Duration.ofMinutes(5);
  private static final Pattern JSON_STRING = Pattern.compile("\"(\\w+)\": *\"([^\"]*)\"");

  /** What {@code e2e/guest/cluster-bundle} printed: where the host-side binaries are, the images' tag. */
  public record Bundle(Path dir, Path controlPlaneBin, Path helm, String imageRepositoryPrefix, String imageTag) {}

  /** {@code r} when the command {@code argv} exited 0; otherwise fails naming the command and its output. */
  public static TestBed.ExecResult ok(List<String> argv, TestBed.ExecResult r) {
    if (r.exitCode() != 0) {
      throw new IllegalStateException(String.join(" ", argv) + ": exit code " + r.exitCode() + "\n" + r.stdout()
          + r.stderr());
    }
    return r;
  }

  private final Bundle bundle;
  private final TestBed bed;
  private final Path work;
  private final Consumer<String> log;
  /** Per node: from the start of the guests' boot, and from the moment its credentials were written, to Ready. */
  private final Map<String, Double> bootToReadySeconds = new LinkedHashMap<>();
  private final Map<String, Double> credentialsToReadySeconds = new LinkedHashMap<>();
  private long bootStarted;
  private Process controlPlane;
  private OutputStream controlPlaneStdin;
  private Path kubeconfig;
  private Path dataDir;
  private Path kubeProxyKubeconfig;
  private String hostIp;

  private KubeCluster(Bundle bundle, TestBed bed, Path work, Consumer<String> log) {
    this.bundle = bundle;
    this.bed = bed;
    this.work = work;
    this.log = log;
  }

  /** Builds (or reuses) the bundle under {@code work/share/bundle}; the guests see it on {@code /host/bundle}. */
  public static Bundle buildBundle(Path work) {
    Path dir = work.resolve("share/bundle");
    Path root = TestBed.repoRoot();
    List<String> argv = List.of(root.resolve("e2e/guest/cluster-bundle").toString(), dir.toString());
    TestBed.ExecResult r = HostCommands.run(argv, Map.of(), Duration.ofMinutes(60));
    HostCommands.writeAtomically(work.resolve("cluster-bundle.log"), r.stdout() + r.stderr());
    ok(argv, r);
    Map<String, String> kv = new LinkedHashMap<>();
    for (String line : r.stdout().split("\n")) {
      int eq = line.indexOf('=');
      if (eq > 0 && line.substring(0, eq).matches("[A-Z_]+")) {
        kv.put(line.substring(0, eq), line.substring(eq + 1));
      }
    }
    for (String key : List.of("CONTROL_PLANE_BIN", "HELM", "IMAGE_REPOSITORY_PREFIX", "IMAGE_TAG")) {
      if (!kv.containsKey(key)) {
        throw new IllegalStateException("e2e/guest/cluster-bundle printed no " + key + "=...; output:\n" + r.stdout());
      }
    }
    return new Bundle(dir, Path.of(kv.get("CONTROL_PLANE_BIN")), Path.of(kv.get("HELM")),
        kv.get("IMAGE_REPOSITORY_PREFIX"), kv.get("IMAGE_TAG"));
  }

  /** The second target's LUN (iqn ...:virtual.vg2, LUN 1), for the user stack's volume. */
  static final String SECOND_LUN_SIZE = "1G";

  /**
   * Boots the guests with the SAN (and the second target when {@code secondLun}), starts the control plane on the host's management address and makes both
   * guests nodes; returns once kubelet reported both Nodes Ready.
   */
  public static KubeCluster start(Bundle bundle, Path work, Consumer<String> log, boolean secondLun) {
    long bootStarted = System.nanoTime();
    List<String> launcherArgs = new ArrayList<>(List.of("--mem", GUEST_MEMORY));
    if (secondLun) {
      launcherArgs.addAll(List.of("--lun2-size", SECOND_LUN_SIZE));
    }
    TestBed bed = TestBed.start(TestBed.Options.defaults().withNodes(NODES.size()).withForwardedPorts(List.of())
        .withShare(bundle.dir().getParent()).withLauncherArgs(launcherArgs));
    KubeCluster cluster = new KubeCluster(bundle, bed, work, log);
    cluster.bootStarted = bootStarted;
    try {
      cluster.up();
      return cluster;
    } catch (RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  private void up() {
    hostIp = bed.linkHost();
    for (String node : NODES) {
      writeNodeEnv(node);
      startKubeNode(node);
    }
    startControlPlane();
    long credentialsWritten = System.nanoTime();
    for (String node : NODES) {
      writeCredentials(node);
    }
    for (String node : NODES) {
      credentialsToReadySeconds.put(node, Report.round(waitNodeReady(node, credentialsWritten)));
      bootToReadySeconds.put(node, Report.round((System.nanoTime() - bootStarted) / 1e9));
    }
  }

  private void writeNodeEnv(String node) {
    int i = NODES.indexOf(node) + 1;
    StringBuilder routes = new StringBuilder();
    for (String peer : NODES) {
      int j = NODES.indexOf(peer) + 1;
      if (j != i) {
        routes.append(routes.isEmpty() ? "" : " ").append("10.244.").append(j).append(".0/24@")
            .append(bed.node(peer).mgmtIp());
      }
    }
    String env = "NODE_NAME=" + node + "\n"
        + "NODE_IP=" + bed.node(node).mgmtIp() + "\n"
        + "POD_CIDR=10.244." + i + ".0/24\n"
        + "PEER_ROUTES=" + routes + "\n"
        + "PAUSE_IMAGE=" + imageOf("pause") + "\n"
        + "BUNDLE=/host/bundle\n"
        + "CLUSTER_CIDR=10.244.0.0/16\n";
    HostCommands.writeAtomically(kubeDir(node).resolve("node.env"), env);
  }

  /** The name of the bundle's image whose repository ends with {@code /name} (images.txt: NAME DIGEST FILE). */
  String imageOf(String name) {
    try {
      for (String line : Files.readAllLines(bundle.dir().resolve("images/images.txt"))) {
        String image = line.split(" ")[0];
        if (image.contains("/" + name + ":")) {
          return image;
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalStateException("no image */" + name + ":* in " + bundle.dir().resolve("images/images.txt"));
  }

  /** Starts containerd, kubelet and kube-proxy in the guest, as a node's init system would at every boot. */
  public void startKubeNode(String node) {
    bed.spawn(node, "/bin/bash", "-c", "exec /bin/bash /e2e/vm/kube-node >>/ctl/kube/kube-node.log 2>&1");
  }

  Path kubeDir(String node) {
    Path dir = bed.ctlDir(node).resolve("kube");
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return dir;
  }

  private void startControlPlane() {
    Path cpDir = work.resolve("control-plane");
    Path ready = cpDir.resolve("ready.json");
    List<String> argv = new ArrayList<>(List.of(bundle.controlPlaneBin().resolve("k8s-local").toString(), "launch",
        "--bind-address", hostIp, "--scheduler", "--ready-file", ready.toString(),
        "--log-dir", cpDir.resolve("logs").toString(), "--stop-on-stdin-eof"));
    for (String node : NODES) {
      argv.add("--node");
      argv.add(node);
    }
    try {
      Files.createDirectories(cpDir);
      Files.deleteIfExists(ready);
      controlPlane = new ProcessBuilder(argv).redirectErrorStream(true)
          .redirectOutput(cpDir.resolve("launcher.log").toFile()).start();
      // Its standard input is this JVM's pipe: if the JVM dies, the control plane stops with it.
      controlPlaneStdin = controlPlane.getOutputStream();
      long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
      while (!Files.isRegularFile(ready) || Files.size(ready) == 0) {
        if (!controlPlane.isAlive() || System.nanoTime() > deadline) {
          throw new IllegalStateException("the control plane did not start; " + cpDir.resolve("launcher.log")
              + ":\n" + HostCommands.tail(cpDir.resolve("launcher.log"), 30));
        }
        Thread.sleep(200);
      }
      Map<String, String> fields = new LinkedHashMap<>();
      Matcher m = JSON_STRING.matcher(Files.readString(ready));
      while (m.find()) {
        fields.putIfAbsent(m.group(1), m.group(2));
      }
      kubeconfig = Path.of(fields.get("kubeconfig"));
      dataDir = Path.of(fields.get("dataDir"));
      kubeProxyKubeconfig = Path.of(fields.get("kubeProxyKubeconfig"));
      log.accept("control plane at " + fields.get("server") + "; KUBECONFIG=" + kubeconfig);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * kube-proxy's and kubelet's identities and the cluster CA, where kube-node waits for them; kube-proxy's first,
   * since kube-node starts kube-proxy once kubelet's kubeconfig is there.
   */
  private void writeCredentials(String node) {
    Path kube = kubeDir(node);
    copyAtomically(kubeProxyKubeconfig, kube.resolve("kube-proxy.kubeconfig"));
    copyAtomically(dataDir.resolve("pki/ca.crt"), kube.resolve("ca.crt"));
    copyAtomically(dataDir.resolve("nodes/" + node + ".kubeconfig"), kube.resolve("kubeconfig"));
  }

  private static void copyAtomically(Path from, Path to) {
    try {
      HostCommands.writeAtomically(to, Files.readString(from));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits until kubelet reports the Node Ready; returns the seconds since {@code sinceNanos}. */
  public double waitNodeReady(String node, long sinceNanos) {
    long deadline = System.nanoTime() + NODE_READY_TIMEOUT.toNanos();
    while (true) {
      TestBed.ExecResult r = kubectl("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
      if (r.exitCode() == 0 && r.stdout().trim().equals("True")) {
        return (System.nanoTime() - sinceNanos) / 1e9;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("Node " + node + " not Ready within " + NODE_READY_TIMEOUT + "; kube-node.log:\n"
            + HostCommands.tail(kubeDir(node).resolve("kube-node.log"), 10) + "\nkubelet.log:\n"
            + HostCommands.tail(kubeDir(node).resolve("kubelet.log"), 20));
      }
      sleep(Duration.ofMillis(500));
    }
  }

  /** Per node: seconds from the start of the guests' boot to Ready (images imported, kubelet registered). */
  public Map<String, Double> bootToReadySeconds() {
    return bootToReadySeconds;
  }

  /** Per node: seconds from its credentials written (the control plane up) to Ready. */
  public Map<String, Double> credentialsToReadySeconds() {
    return credentialsToReadySeconds;
  }

  public TestBed bed() {
    return bed;
  }

  public Bundle bundle() {
    return bundle;
  }

  /** kubectl of the control plane's release, as the cluster's admin. */
  public TestBed.ExecResult kubectl(String... args) {
    List<String> argv = new ArrayList<>();
    argv.add(bundle.controlPlaneBin().resolve("kubectl").toString());
    argv.addAll(List.of(args));
    return HostCommands.run(argv, Map.of("KUBECONFIG", kubeconfig.toString()),
        CommandBound.of(argv, Duration.ofMinutes(3)));
  }

  /** {@link #kubectl} that must succeed; returns its standard output. */
  public String kubectlOk(String... args) {
    TestBed.ExecResult r = kubectl(args);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + ": exit code " + r.exitCode() + "\n"
          + r.stdout() + r.stderr());
    }
    return r.stdout();
  }

  /** Runs a command line a user would type ({@code kubectl}, {@code helm} or {@code java ...}) from the checkout. */
  public TestBed.ExecResult type(List<String> argv) {
    List<String> resolved = new ArrayList<>(argv);
    switch (argv.get(0)) {
      case "kubectl" -> resolved.set(0, bundle.controlPlaneBin().resolve("kubectl").toString());
      case "helm" -> resolved.set(0, bundle.helm().toString());
      case "java" -> resolved.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
      default -> throw new IllegalArgumentException("not a command of the user's path: " + argv);
    }
    return HostCommands.run(resolved, Map.of("KUBECONFIG", kubeconfig.toString()),
        CommandBound.of(resolved, Duration.ofMinutes(5)));
  }

  static void sleep(Duration d) {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /**
   * What to read when something failed: the kubelet logs' tails, the pods' states, the newest events, and last (CI
   * keeps the end of the output) the product's own logs.
   */
  public String diagnostics() {
    StringBuilder sb = new StringBuilder();
    for (String node : NODES) {
      sb.append("---- ").append(node).append(" kubelet.log\n").append(HostCommands.tail(kubeDir(node).resolve("kubelet.log"), 15))
          .append('\n');
    }
    if (kubeconfig != null) {
      sb.append(kubectl("get", "pods", "-A", "-o", "wide").stdout());
      List<String> events = kubectl("get", "events", "-A", "--sort-by=.lastTimestamp").stdout().lines().toList();
      sb.append("---- newest events\n");
      events.subList(Math.max(0, events.size() - 25), events.size()).forEach(e -> sb.append(e).append('\n'));
      appendProductLogs(sb);
    }
    return sb.toString();
  }

  /**
   * Each pod of the release: why its last container ended, and the end of its log (and of the previous container's
   * when it restarted): the plugin's and the operator's own account of a failed step.
   */
  private void appendProductLogs(StringBuilder sb) {
    String pods = kubectl("get", "pods", "-n", UserPath.RELEASE_NAMESPACE, "-o", "jsonpath={range .items[*]}"
        + "{.metadata.name} {.status.containerStatuses[0].restartCount} "
        + "{.status.containerStatuses[0].lastState.terminated.reason}{\"\\n\"}{end}").stdout();
    for (String line : pods.split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 2 || f[0].isEmpty()) {
        continue;
      }
      sb.append("---- pod ").append(f[0]).append(": restarts ").append(f[1])
          .append(f.length > 2 ? ", last ended: " + f[2] : "").append('\n');
      sb.append(kubectl("logs", "-n", UserPath.RELEASE_NAMESPACE, f[0], "--tail=30").stdout());
      if (!f[1].equals("0")) {
        sb.append("---- pod ").append(f[0]).append(", previous container\n");
        sb.append(kubectl("logs", "-n", UserPath.RELEASE_NAMESPACE, f[0], "--previous", "--tail=30").stdout());
      }
    }
  }

  /** Stops the control plane, then the guests, the SAN and the namespace. */
  @Override
  public void close() {
    if (controlPlane != null) {
      try {
        controlPlaneStdin.close();
        if (!controlPlane.waitFor(30, TimeUnit.SECONDS)) {
          controlPlane.destroy();
          controlPlane.waitFor(30, TimeUnit.SECONDS);
        }
      } catch (IOException ignored) {
        // already gone
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        controlPlane.destroy();
      }
    }
    bed.close();
  }
}
