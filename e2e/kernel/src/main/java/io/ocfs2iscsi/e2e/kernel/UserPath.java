package io.ocfs2iscsi.e2e.kernel;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The user's path on a real cluster ({@link KubeCluster}), nothing played: the commands of README.md's install
 * section typed as they stand (helm install of the chart with the locally built images, kubectl apply -f examples/),
 * then what an administrator lives through: a SAN link cut under the writers, a rollout of the node plugin, a node
 * killed and booted again, the pods deleted, the uninstall of README.md and a second install that adopts the data.
 * Every check that fails throws; every step's time and the measured pauses go to the report's {@code cluster}
 * section.
 */
public final class UserPath {

  static final String INSTALL = "Step by step";
  static final String UNINSTALL = "Uninstall (data is kept)";
  static final String RELEASE_NAMESPACE = "ocfs2iscsi-system";
  static final String VOLUME = "mylun";
  static final String CLAIM = "shared-data";
  static final String WRITERS = "app=shared-writers";
  static final String SECTION = "cluster";
  private static final Duration LONG = Duration.ofMinutes(6);

  private final KubeCluster cluster;
  private final Steps steps;
  private final Report report;
  private final ReadmeCommands readme = new ReadmeCommands(TestBed.repoRoot());
  private final Map<String, String> writerByNode = new LinkedHashMap<>();

  public UserPath(KubeCluster cluster, Steps steps, Report report) {
    this.cluster = cluster;
    this.steps = steps;
    this.report = report;
  }

  /** The nine steps, in order; each throws when what it checks does not hold. */
  public void run() throws Exception {
    installSteps();
    o2cbSteps();
  }

  /** Steps 1 and 2: the README install, the operator and node plugin running. */
  public void installSteps() throws Exception {
    cluster.bootToReadySeconds().forEach((node, s) -> report.put(SECTION, "node_boot_to_ready_seconds_" + node, s));
    cluster.credentialsToReadySeconds().forEach((node, s) ->
        report.put(SECTION, "node_credentials_to_ready_seconds_" + node, s));
    steps.step("1. README install: label the nodes, helm install the chart (local images, builtin registration)",
        () -> { install(); return null; });
    steps.step("2. the operator runs as the chart's Deployment, the node plugin as its DaemonSet on both nodes;"
        + " kubelet registered the driver in CSINode", () -> { checkInstalled(); return null; });
  }

  /** Steps 3 to 9: the examples on the o2cb stack, through link cut, rollout, reboot, uninstall and reinstall. */
  public void o2cbSteps() throws Exception {
    steps.step("3. kubectl apply -f examples/: claim Bound, writers Running on both nodes, data crosses nodes",
        () -> { applyExamples(); return null; });
    steps.step("4. kubectl get isv: Ready, all paths, both nodes mounted", () -> { checkVolume(); return null; });
    steps.step("5. a SAN link of node1 cut and restored under the writers: Degraded (still Ready) and back, no"
        + " failed write",
        () -> { cutLink(); return null; });
    steps.step("6. kubectl rollout restart of the node plugin under the writers: mounts survive, no failed write",
        () -> { rolloutNodePlugin(); return null; });
    steps.step("7. a node killed and booted again: kubelet re-stages, its writer runs again, data intact",
        () -> { rebootNode(nodeWithoutOperator()); return null; });
    steps.step("8. writers deleted: kubelet unpublishes and unstages, nothing left on the nodes",
        () -> { deleteWriters(); return null; });
    steps.step("9. README uninstall keeps the data; installing and applying again adopts the filesystem",
        () -> { uninstallAndAdopt(); return null; });
  }

  /**
   * Before the user stack on the same nodes: the examples' writers, claim, volume and o2cb cluster deleted with
   * README's uninstall commands (the release stays), until nothing of the volume is left on the nodes.
   */
  public void removeExamples() throws Exception {
    steps.step("the examples deleted with README's kubectl uninstall commands (the release stays): nothing of the"
        + " o2cb volume left on the nodes", () -> {
          long t = System.nanoTime();
          for (List<String> c : readme.under(UNINSTALL, "kubectl")) {
            typeOk(c);
          }
          waitFor(Duration.ofMinutes(5), "the writers' pods gone", () -> cluster.kubectl("get", "pods", "-l",
              WRITERS, "-o", "name").stdout().isBlank());
          waitFor(Duration.ofMinutes(3), "nothing of the volume left on the nodes", () -> leftovers().isEmpty());
          waitFor(Duration.ofMinutes(3), "ocfs2cluster iscsi gone", () -> cluster.kubectl("get", "ocfs2cluster",
              "-o", "name").stdout().isBlank());
          report.put(SECTION, "examples_deleted_to_nodes_clean_seconds", seconds(t));
          return null;
        });
  }

  // ---- 1, 2 ------------------------------------------------------------------------------------------------------

  private void install() {
    for (String node : KubeCluster.NODES) {
      typeOk(ReadmeCommands.with(readme.the(INSTALL, "kubectl", "label", "node"), "node", node));
    }
    long t = System.nanoTime();
    List<String> helmInstall = new ArrayList<>(readme.the(INSTALL, "helm", "install"));
    helmInstall.addAll(localValues());
    typeOk(helmInstall);
    report.put(SECTION, "helm_install_seconds", seconds(t));
    cluster.kubectlOk("-n", RELEASE_NAMESPACE, "rollout", "status", "deployment/ocfs2iscsi-operator", "--timeout=6m");
    report.put(SECTION, "helm_install_to_operator_ready_seconds", seconds(t));
    cluster.kubectlOk("-n", RELEASE_NAMESPACE, "rollout", "status", "daemonset/ocfs2iscsi-node-plugin",
        "--timeout=6m");
    report.put(SECTION, "helm_install_to_node_plugins_ready_seconds", seconds(t));
  }

  /**
   * What differs from a user's install, and only that: the images come from the nodes' own containerd (no registry
   * here), and the two sidecars that cannot be built here are replaced by the node plugin's builtin equivalents.
   */
  private List<String> localValues() {
    return List.of(
        "--set", "image.repositoryPrefix=" + cluster.bundle().imageRepositoryPrefix(),
        "--set", "image.tag=" + cluster.bundle().imageTag(),
        "--set", "image.pullPolicy=Never",
        "--set", "nodePlugin.registration=builtin",
        "--set", "nodePlugin.livenessProbe=builtin");
  }

  private void checkInstalled() {
    String operatorPods = cluster.kubectlOk("-n", RELEASE_NAMESPACE, "get", "pods",
        "-l", "app.kubernetes.io/component=operator", "-o",
        "jsonpath={range .items[*]}{.metadata.name} {.status.phase} {.metadata.ownerReferences[0].kind}{\"\\n\"}{end}");
    check(operatorPods.lines().anyMatch(l -> l.endsWith(" Running ReplicaSet")),
        "no Running operator pod of a ReplicaSet: " + operatorPods);
    String plugins = cluster.kubectlOk("-n", RELEASE_NAMESPACE, "get", "pods",
        "-l", "app.kubernetes.io/component=node-plugin", "-o",
        "jsonpath={range .items[*]}{.spec.nodeName} {.status.phase}{\"\\n\"}{end}");
    for (String node : KubeCluster.NODES) {
      check(plugins.lines().anyMatch(l -> l.equals(node + " Running")), "no Running node plugin on " + node + ": "
          + plugins);
      String drivers = cluster.kubectlOk("get", "csinode", node, "-o", "jsonpath={.spec.drivers[*].name}");
      check(drivers.contains("csi.ocfs2iscsi.io"), "kubelet did not register csi.ocfs2iscsi.io in CSINode " + node
          + " (drivers: '" + drivers + "')");
      String managers = cluster.kubectlOk("get", "csinode", node, "-o",
          "jsonpath={.metadata.managedFields[*].manager}");
      check((" " + managers + " ").contains(" kubelet ") && !managers.contains("kubectl"),
          "CSINode " + node + " written by '" + managers + "', expected kubelet");
    }
    steps.say(cluster.kubectlOk("-n", RELEASE_NAMESPACE, "get", "pods", "-o", "wide"));
  }

  // ---- 3, 4 ------------------------------------------------------------------------------------------------------

  private void applyExamples() {
    for (List<String> validate : readme.under(INSTALL, "java")) {
      typeOk(validate);
    }
    long t = System.nanoTime();
    typeOk(readme.the(INSTALL, "kubectl", "apply"));
    waitFor(LONG, "claim " + CLAIM + " Bound", () -> "Bound".equals(
        cluster.kubectl("get", "pvc", CLAIM, "-o", "jsonpath={.status.phase}").stdout().trim()));
    report.put(SECTION, "apply_to_claim_bound_seconds", seconds(t));
    waitWritersRunning(LONG);
    report.put(SECTION, "apply_to_writers_running_seconds", seconds(t));
    recordPodStartSeconds();
    String members = cluster.kubectlOk("get", "ocfs2cluster", "iscsi", "-o",
        "jsonpath={range .status.members[*]}{.nodeName}={.number} {end}");
    steps.say("o2cb members: " + members);
    // Data crosses nodes: what one pod writes, the pod on the other node reads.
    List<String> nodes = new ArrayList<>(writerByNode.keySet());
    for (int i = 0; i < nodes.size(); i++) {
      String from = writerByNode.get(nodes.get(i));
      String to = writerByNode.get(nodes.get((i + 1) % nodes.size()));
      String token = "from " + from + " on " + nodes.get(i) + " at " + Instant.now();
      exec(from, "sh", "-c", "echo '" + token + "' > /share/handoff-" + from + " && sync");
      String read = exec(to, "cat", "/share/handoff-" + from).trim();
      check(read.equals(token), to + " read '" + read + "' from /share/handoff-" + from + ", expected '" + token + "'");
      steps.say(to + " on " + nodes.get((i + 1) % nodes.size()) + " read: " + read);
    }
  }

  private void checkVolume() {
    waitFor(Duration.ofMinutes(2), "isv " + VOLUME + " Ready with every path on both nodes", () -> {
      String line = cluster.kubectl("get", "isv", VOLUME, "-o",
          "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.status.nodesMounted} {.status.paths}").stdout();
      String[] f = line.trim().split(" ");
      return f.length == 3 && f[0].equals("True") && f[1].equals("2") && allPathsUp(f[2]);
    });
    String table = cluster.kubectlOk("get", "isv");
    steps.say(table);
  }

  private static boolean allPathsUp(String paths) {
    String[] p = paths.split("/");
    return p.length == 2 && p[0].equals(p[1]) && Integer.parseInt(p[0]) >= 2 * KubeCluster.NODES.size();
  }

  // ---- 5, 6, 7 ---------------------------------------------------------------------------------------------------

  private void cutLink() {
    Instant start = Instant.now();
    cluster.bed().fault("link-down", "node1", "a");
    long t = System.nanoTime();
    waitFor(Duration.ofMinutes(2), "isv " + VOLUME + " Degraded=True", () -> "True".equals(condition("Degraded")));
    report.put(SECTION, "link_cut_to_degraded_seconds", seconds(t));
    // Degraded but serving: node1 still does I/O on its other path, so the volume stays Ready.
    String ready = condition("Ready");
    steps.say(cluster.kubectlOk("get", "isv").strip());
    check("True".equals(ready), "isv " + VOLUME + " Ready=" + ready + " while only one of node1's paths was down");
    scrapeBoth("while node1's link a is down", 1, true);
    KubeCluster.sleep(Duration.ofSeconds(7));
    cluster.bed().fault("link-up", "node1", "a");
    t = System.nanoTime();
    waitFor(Duration.ofMinutes(2), "isv " + VOLUME + " Degraded=False", () -> "False".equals(condition("Degraded")));
    report.put(SECTION, "link_restored_to_not_degraded_seconds", seconds(t));
    scrapeBoth("after node1's link a came back", 2, false);
    KubeCluster.sleep(Duration.ofSeconds(3));
    WriterLog.Window w = writes(start, Instant.now());
    report.put(SECTION, "link_cut_longest_write_gap_seconds", w.longestGapSeconds());
    report.put(SECTION, "link_cut_failed_writes", w.failedWrites());
    check(w.failedWrites() == 0, "writes failed while a link was cut: " + w);
    check("True".equals(condition("Ready")), "isv not Ready after the link came back");
  }

  /**
   * Both /metrics as Prometheus scrapes them: node1's plugin on its node address (the host network port of the
   * chart's default values), the operator in its pod (from node1, which routes the pod network). Waits until node1
   * shows {@code pathsUp} paths up (and a path gauge at 0 while one is down) and the operator's Degraded gauge
   * agrees.
   */
  private void scrapeBoth(String when, int pathsUp, boolean degraded) {
    String pathsLine = "ocfs2iscsi_node_volume_paths_up{volume=\"" + VOLUME + "\"} " + pathsUp + "\n";
    String degradedLine = "ocfs2iscsi_volume_condition{volume=\"" + VOLUME + "\",type=\"Degraded\"} "
        + (degraded ? 1 : 0) + "\n";
    java.util.regex.Pattern pathDown = java.util.regex.Pattern.compile(
        "(?m)^ocfs2iscsi_node_path_up\\{volume=\"" + VOLUME + "\",[^}]*} 0$");
    String[] last = {"", ""};
    long t = System.nanoTime();
    waitFor(Duration.ofSeconds(45), "node1's plugin and the operator report " + pathsUp + " paths up, Degraded="
        + degraded + " " + when, () -> {
          last[0] = nodePluginMetrics("node1");
          last[1] = operatorMetrics();
          return last[0].contains(pathsLine) && pathDown.matcher(last[0]).find() == degraded
              && last[1].contains(degradedLine);
        });
    report.put(SECTION, "metrics_agree_seconds_" + (degraded ? "link_down" : "link_up"), seconds(t));
    steps.say("node1 /metrics " + when + ": " + last[0].lines()
        .filter(l -> l.startsWith("ocfs2iscsi_node_path_up") || l.startsWith("ocfs2iscsi_node_volume_paths_up"))
        .toList() + "; operator: " + degradedLine.strip());
  }

  private String nodePluginMetrics(String node) {
    java.net.URI uri = java.net.URI.create("http://" + cluster.bed().node(node).mgmtIp() + ":9809/metrics");
    try {
      java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString());
      check(r.statusCode() == 200, "GET " + uri + ": " + r.statusCode() + " " + r.body());
      return r.body();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("GET " + uri, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: GET " + uri, e);
    }
  }

  private String operatorMetrics() {
    String podIp = cluster.kubectlOk("-n", RELEASE_NAMESPACE, "get", "pod", "-l",
        "app.kubernetes.io/component=operator", "-o", "jsonpath={.items[0].status.podIP}").strip();
    // HTTP over bash's /dev/tcp: the guests have no HTTP client; the address and port are arguments.
    TestBed.ExecResult r = cluster.bed().exec("node1", Duration.ofSeconds(30), "bash", "-c",
        "exec 3<>/dev/tcp/$0/$1 && printf 'GET /metrics HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' \"$0\" >&3 && cat <&3", podIp, "8080");
    check(r.exitCode() == 0 && r.stdout().startsWith("HTTP/1.1 200"),
        "GET http://" + podIp + ":8080/metrics from node1: exit " + r.exitCode() + " " + r.stdout() + r.stderr());
    return r.stdout().replace("\r\n", "\n");
  }

  private void rolloutNodePlugin() {
    Map<String, String> mountsBefore = stagedMounts();
    Instant start = Instant.now();
    long t = System.nanoTime();
    cluster.kubectlOk("-n", RELEASE_NAMESPACE, "rollout", "restart", "daemonset/ocfs2iscsi-node-plugin");
    cluster.kubectlOk("-n", RELEASE_NAMESPACE, "rollout", "status", "daemonset/ocfs2iscsi-node-plugin",
        "--timeout=6m");
    report.put(SECTION, "node_plugin_rollout_seconds", seconds(t));
    KubeCluster.sleep(Duration.ofSeconds(3));
    WriterLog.Window w = writes(start, Instant.now());
    report.put(SECTION, "rollout_longest_write_gap_seconds", w.longestGapSeconds());
    report.put(SECTION, "rollout_failed_writes", w.failedWrites());
    check(w.failedWrites() == 0, "writes failed during the node plugin's rollout: " + w);
    check(stagedMounts().equals(mountsBefore), "the staged mounts changed in the rollout: before " + mountsBefore
        + ", after " + stagedMounts());
  }

  /**
   * The node to kill: the one where the operator does not run, so that the step shows what the data path does on
   * its own (the operator's Deployment would move its pod only after the pod eviction timeout, 5 minutes).
   */
  private String nodeWithoutOperator() {
    String operatorNode = cluster.kubectlOk("-n", RELEASE_NAMESPACE, "get", "pods",
        "-l", "app.kubernetes.io/component=operator", "-o", "jsonpath={.items[0].spec.nodeName}").trim();
    return KubeCluster.NODES.stream().filter(n -> !n.equals(operatorNode)).reduce((a, b) -> b).orElseThrow();
  }

  private void rebootNode(String node) {
    String survivor = KubeCluster.NODES.stream().filter(n -> !n.equals(node)).findFirst().orElseThrow();
    String pod = writerByNode.get(node);
    int linesBefore = WriterLog.parse(exec(writerByNode.get(survivor), "cat", "/share/" + pod + ".log"), "").lines();
    // What shows the node and its writer are back, not the status they had before the kill (the API server keeps
    // a dead node Ready for its grace period): kubelet's report of a new boot, a new container of the writer.
    String bootId = bootIdOf(node);
    String container = containerOf(pod);
    Instant killed = Instant.now();
    long t = System.nanoTime();
    cluster.bed().killNode(node);
    steps.say(node + " killed; " + survivor + " keeps writing");
    // Booted only once the volume names it lost: Kubernetes marks the Node Ready=Unknown after its grace period,
    // then the operator sees a mounting node whose agent is silent.
    waitFor(LONG, "isv " + VOLUME + " names " + node + " lost", () -> "Lost".equals(nodeState(node)));
    report.put(SECTION, "reboot_kill_to_volume_names_node_lost_seconds", seconds(t));
    waitFor(Duration.ofSeconds(30), "a Warning event NodeLost naming " + node,
        () -> volumeEvents("NodeLost", "Warning").contains(node));
    steps.say(cluster.kubectlOk("get", "isv").strip() + "\nDegraded " + conditionReason("Degraded") + "; " + node
        + ": " + cluster.kubectl("get", "isv", VOLUME, "-o",
            "jsonpath={.status.nodes[?(@.node==\"" + node + "\")].problems[0]}").stdout().trim());
    Duration boot = cluster.bed().bootNode(node);
    steps.say(node + " booted again in " + Report.round(boot.toMillis() / 1000.0) + " s");
    cluster.startKubeNode(node);
    waitFor(LONG, node + " Ready after its new boot", () -> {
      String id = bootIdOf(node);
      return !id.isEmpty() && !id.equals(bootId) && "True".equals(cluster.kubectl("get", "node", node, "-o",
          "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").stdout().trim());
    });
    report.put(SECTION, "reboot_kill_to_node_ready_seconds", seconds(t));
    waitFor(LONG, "a new container of " + node + "'s writer, Ready", () -> {
      String now = containerOf(pod);
      return !now.isEmpty() && !now.equals(container) && "True".equals(cluster.kubectl("get", "pod", pod, "-o",
          "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}").stdout().trim());
    });
    report.put(SECTION, "reboot_kill_to_writer_running_seconds", seconds(t));
    waitFor(LONG, "isv " + VOLUME + " no longer names " + node + " lost", () -> nodeState(node).isEmpty()
        && !"NodeLost".equals(conditionReason("Degraded")));
    waitFor(Duration.ofSeconds(30), "a Normal event NodeBack naming " + node,
        () -> volumeEvents("NodeBack", "Normal").contains(node));
    waitWritersRunning(LONG);
    String again = writerByNode.get(node);
    check(again.equals(pod), node + "'s writer is a new pod " + again + ", not " + pod + " restarted by kubelet");
    String content = exec(again, "cat", "/share/" + pod + ".log");
    int linesAfter = WriterLog.parse(content, "").lines();
    check(linesAfter >= linesBefore, node + "'s writer file has " + linesAfter + " lines after the reboot, "
        + linesBefore + " before it");
    KubeCluster.sleep(Duration.ofSeconds(3));
    WriterLog.Window w = writesOf(survivor, killed, Instant.now());
    report.put(SECTION, "reboot_survivor_longest_write_gap_seconds", w.longestGapSeconds());
    report.put(SECTION, "reboot_survivor_failed_writes", w.failedWrites());
    check(w.failedWrites() == 0, survivor + "'s writes failed while " + node + " was down: " + w);
    steps.say(survivor + " paused " + w.longestGapSeconds() + " s at most while " + node + " was down; "
        + node + "'s writer kept its " + linesBefore + " lines and has " + linesAfter);
  }

  private String bootIdOf(String node) {
    return cluster.kubectl("get", "node", node, "-o", "jsonpath={.status.nodeInfo.bootID}").stdout().trim();
  }

  private String containerOf(String pod) {
    return cluster.kubectl("get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].containerID}")
        .stdout().trim();
  }

  // ---- 8, 9 ------------------------------------------------------------------------------------------------------

  private void deleteWriters() {
    long t = System.nanoTime();
    typeOk(readme.the(UNINSTALL, "kubectl", "delete", "-f"));
    waitFor(Duration.ofMinutes(5), "the writers' pods gone", () -> cluster.kubectl("get", "pods", "-l", WRITERS,
        "-o", "name").stdout().isBlank());
    waitFor(Duration.ofMinutes(3), "nothing of the volume left on the nodes", () -> leftovers().isEmpty());
    report.put(SECTION, "writers_deleted_to_nodes_clean_seconds", seconds(t));
  }

  /** Sessions, maps, OCFS2 mounts and heartbeat regions still on the nodes, by node. */
  private Map<String, String> leftovers() {
    Map<String, String> left = new LinkedHashMap<>();
    for (String node : KubeCluster.NODES) {
      TestBed.ExecResult r = cluster.bed().exec(node, Duration.ofSeconds(30), "sh", "-c",
          "iscsiadm -m session 2>/dev/null; dmsetup ls --target multipath 2>/dev/null | grep -v '^No devices';"
              + " findmnt -rn -t ocfs2 -o TARGET; ls /sys/kernel/config/cluster/*/heartbeat/ 2>/dev/null"
              + " | grep -v -x -e dead_threshold -e mode -e '' -e '.*:'");
      if (!r.stdout().isBlank()) {
        left.put(node, r.stdout().trim());
      }
    }
    return left;
  }

  private void uninstallAndAdopt() {
    for (List<String> c : readme.under(UNINSTALL)) {
      if (!c.equals(readme.the(UNINSTALL, "kubectl", "delete", "-f"))) {
        typeOk(c);
      }
    }
    waitFor(Duration.ofMinutes(5), "the release's pods gone", () -> cluster.kubectl("get", "pods", "-n",
        RELEASE_NAMESPACE, "-o", "name").stdout().isBlank());
    long t = System.nanoTime();
    List<String> helmInstall = new ArrayList<>(readme.the(INSTALL, "helm", "install"));
    helmInstall.addAll(localValues());
    typeOk(helmInstall);
    cluster.kubectlOk("-n", RELEASE_NAMESPACE, "rollout", "status", "daemonset/ocfs2iscsi-node-plugin",
        "--timeout=6m");
    typeOk(readme.the(INSTALL, "kubectl", "apply"));
    waitFor(LONG, "claim " + CLAIM + " Bound again", () -> "Bound".equals(
        cluster.kubectl("get", "pvc", CLAIM, "-o", "jsonpath={.status.phase}").stdout().trim()));
    Map<String, String> before = new LinkedHashMap<>(writerByNode);
    waitWritersRunning(LONG);
    report.put(SECTION, "reinstall_to_writers_running_seconds", seconds(t));
    String formatted = cluster.kubectlOk("get", "isv", VOLUME, "-o",
        "jsonpath={.status.conditions[?(@.type==\"Formatted\")].reason}: "
            + "{.status.conditions[?(@.type==\"Formatted\")].message}");
    steps.say("Formatted: " + formatted);
    String anyPod = writerByNode.values().iterator().next();
    for (String old : before.values()) {
      String content = exec(anyPod, "cat", "/share/" + old + ".log");
      check(WriterLog.parse(content, "").lines() > 0, "the data of " + old + " is gone after the reinstall");
    }
    for (String old : before.values()) {
      String token = exec(anyPod, "cat", "/share/handoff-" + old);
      check(token.startsWith("from " + old), "/share/handoff-" + old + " lost its content: '" + token + "'");
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------------------------

  private void waitWritersRunning(Duration limit) {
    waitWritersRunning(cluster, WRITERS, limit, writerByNode);
  }

  /**
   * Waits until a Running, Ready pod of {@code selector} runs on each node and puts them into {@code writerByNode}
   * (node name to pod name).
   */
  static void waitWritersRunning(
      KubeCluster cluster, String selector, Duration limit, Map<String, String> writerByNode) {
    waitFor(limit, "a Running, Ready pod of " + selector + " on each node", () -> {
      String out = cluster.kubectl("get", "pods", "-l", selector, "-o",
          "jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName} {.status.phase} "
              + "{.status.conditions[?(@.type==\"Ready\")].status} {.metadata.deletionTimestamp}{\"\\n\"}{end}")
          .stdout();
      Map<String, String> running = new LinkedHashMap<>();
      for (String line : out.split("\n")) {
        String[] f = line.trim().split(" ");
        if (f.length == 4 && f[2].equals("Running") && f[3].equals("True")) {
          running.put(f[1], f[0]);
        }
      }
      if (running.keySet().containsAll(KubeCluster.NODES)) {
        writerByNode.clear();
        KubeCluster.NODES.forEach(n -> writerByNode.put(n, running.get(n)));
        return true;
      }
      return false;
    });
  }

  private void recordPodStartSeconds() {
    for (Map.Entry<String, String> e : writerByNode.entrySet()) {
      String times = cluster.kubectlOk("get", "pod", e.getValue(), "-o",
          "jsonpath={.status.conditions[?(@.type==\"PodScheduled\")].lastTransitionTime} "
              + "{.status.conditions[?(@.type==\"Ready\")].lastTransitionTime}");
      String[] f = times.trim().split(" ");
      double s = Duration.between(Instant.parse(f[0]), Instant.parse(f[1])).toMillis() / 1000.0;
      report.put(SECTION, "writer_scheduled_to_running_seconds_" + e.getKey(), s);
    }
  }

  /** Both writers' files read in the window, and both pods' "write failed" lines. */
  private WriterLog.Window writes(Instant from, Instant to) {
    WriterLog.Window all = null;
    for (String node : writerByNode.keySet()) {
      WriterLog.Window w = writesOf(node, from, to);
      all = all == null ? w : all.and(w);
    }
    return all;
  }

  private WriterLog.Window writesOf(String node, Instant from, Instant to) {
    String pod = writerByNode.get(node);
    String file = exec(pod, "cat", "/share/" + pod + ".log");
    String logs = cluster.kubectl("logs", pod).stdout();
    return WriterLog.parse(file, logs).window(from, to);
  }

  /** Paths of the OCFS2 mounts in each node's host namespace (staging and publish), by node. */
  private Map<String, String> stagedMounts() {
    Map<String, String> m = new LinkedHashMap<>();
    for (String node : KubeCluster.NODES) {
      m.put(node, cluster.bed().exec(node, Duration.ofSeconds(30), "findmnt", "-rn", "-t", "ocfs2", "-o",
          "TARGET,SOURCE").stdout().trim());
    }
    return m;
  }

  /** The state the volume's status gives the node (empty for a member as usual). */
  private String nodeState(String node) {
    return cluster.kubectl("get", "isv", VOLUME, "-o",
        "jsonpath={.status.nodes[?(@.node==\"" + node + "\")].state}").stdout().trim();
  }

  private String conditionReason(String type) {
    return cluster.kubectl("get", "isv", VOLUME, "-o",
        "jsonpath={.status.conditions[?(@.type==\"" + type + "\")].reason}").stdout().trim();
  }

  /** The messages of the volume's events with this reason and type (events of cluster-scoped objects: default). */
  private String volumeEvents(String reason, String type) {
    return cluster.kubectl("get", "events", "-A", "--field-selector",
        "reason=" + reason + ",type=" + type + ",involvedObject.name=" + VOLUME,
        "-o", "jsonpath={.items[*].message}").stdout().trim();
  }

  private String condition(String type) {
    return cluster.kubectl("get", "isv", VOLUME, "-o",
        "jsonpath={.status.conditions[?(@.type==\"" + type + "\")].status}").stdout().trim();
  }

  private String exec(String pod, String... argv) {
    List<String> args = new ArrayList<>(List.of("exec", pod, "--"));
    args.addAll(List.of(argv));
    return cluster.kubectlOk(args.toArray(String[]::new));
  }

  private void typeOk(List<String> argv) {
    steps.say("$ " + String.join(" ", argv));
    TestBed.ExecResult r = KubeCluster.ok(argv, cluster.type(argv));
    if (!r.stdout().isBlank()) {
      steps.say(r.stdout().strip());
    }
  }

  static void waitFor(Duration limit, String what, Supplier<Boolean> condition) {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("not within " + limit.toSeconds() + " s: " + what);
      }
      KubeCluster.sleep(Duration.ofSeconds(1));
    }
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
