package io.ocfs2iscsi.e2e.kernel;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.CSIPersistentVolumeSource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.testsupport.ControlPlane;
import io.ocfs2iscsi.testsupport.FakeKubelets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;

/**
 * The whole system on one machine, as a user runs it: the local control plane (real kube-apiserver and
 * kube-controller-manager on 127.0.0.1), the real operator jar against it, the SAN (tgtd on two portals) in the test
 * bed's network namespace and two real-kernel nodes (UML guests) running the node plugin jar. This class plays
 * kubelet only where no kubelet exists: it registers the Node and CSINode objects (with Lease heartbeats) and makes
 * the CSI Node calls kubelet would make for a pod on each node that uses the claim.
 *
 * <p>The operator reaches the node agents at the nodes' InternalIPs (the guests' management addresses) through one
 * veth from this host into the namespace's management bridge (e2e/guest/host-link); it has no other route there.
 */
final class SystemDemo implements DemoRun {

  static final String VOLUME = "mylun";
  static final String CLUSTER = "iscsi";
  static final String CLAIM_NAMESPACE = "default";
  static final String CLAIM = "shared-data";
  static final Map<String, String> MEMBER_LABEL = Map.of("ocfs2iscsi.io/member", "true");
  static final int HEALTH_POLL_SECONDS = 3;

  private static final ResourceDefinitionContext ISV = new ResourceDefinitionContext.Builder()
      .withGroup("ocfs2iscsi.io").withVersion("v1alpha1").withKind("IscsiSharedVolume")
      .withPlural("iscsisharedvolumes").withNamespaced(false).build();
  private static final ResourceDefinitionContext O2CB_CLUSTER = new ResourceDefinitionContext.Builder()
      .withGroup("ocfs2iscsi.io").withVersion("v1alpha1").withKind("Ocfs2Cluster")
      .withPlural("ocfs2clusters").withNamespaced(false).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Steps steps;
  private final Report report;
  private final Path work;
  private final Path root = TestBed.repoRoot();
  private ControlPlane controlPlane;
  private PluginBed bed;
  private Kubelet kubelet;
  private FakeKubelets kubelets;
  private OperatorProcess operator;

  SystemDemo(Steps steps, Report report, Path work) {
    this.steps = steps;
    this.report = report;
    this.work = work;
  }

  @Override
  public void run() throws Exception {
    controlPlane = steps.step("start the control plane: etcd, kube-apiserver, kube-controller-manager on 127.0.0.1",
        () -> ControlPlane.start(root, work.resolve("control-plane")));
    steps.say("Kubernetes " + controlPlane.version() + " at " + controlPlane.server() + "\nkubectl: "
        + controlPlane.kubectlBinary() + " --kubeconfig " + controlPlane.kubeconfig());
    bed = steps.step("start the SAN and the nodes: tgtd on 2 portals in a network namespace, 2 UML guests with the"
        + " node plugin", () -> PluginBed.start(null));
    kubelet = new Kubelet(bed);
    steps.say(bed.diagnostics());
    String hostIp = steps.step("link this host into the nodes' management network (veth into the namespace)",
        () -> bed.bed().linkHost());
    steps.say("host " + hostIp + "; node agents at " + bed.nodes().stream()
        .map(n -> bed.bed().node(n).mgmtIp() + ":" + PluginBed.AGENT_PORT).collect(Collectors.joining(", ")));

    kubelets = new FakeKubelets(client(), CsiDriver.NAME, true);
    steps.step("register node1 and node2 as kubelet and node-driver-registrar would: Node (Ready, InternalIP ="
        + " management address, label ocfs2iscsi.io/member=true) and CSINode listing " + CsiDriver.NAME, () -> {
          for (String n : bed.nodes()) {
            kubelets.register(n, MEMBER_LABEL, bed.bed().node(n).mgmtIp());
          }
          return null;
        });
    steps.say(kubectl("get", "nodes", "-o", "wide"));

    steps.step("kubectl apply -f crds/ and wait until the CRDs are Established", () -> {
      steps.say(kubectl("apply", "--server-side", "-f", root.resolve("crds").toString()));
      return kubectl("wait", "--for=condition=Established", "--timeout=60s",
          "crd/iscsisharedvolumes.ocfs2iscsi.io", "crd/ocfs2clusters.ocfs2iscsi.io");
    });
    operator = steps.step("start the operator: java -jar operator/target/operator.jar run --agent-insecure"
        + " --agent-port " + PluginBed.AGENT_PORT + " --health-poll-seconds " + HEALTH_POLL_SECONDS, () ->
        OperatorProcess.start(controlPlane.kubeconfig(), work.resolve("operator.log"), List.of(
            "--agent-insecure", "--agent-port", Integer.toString(PluginBed.AGENT_PORT),
            "--health-poll-seconds", Integer.toString(HEALTH_POLL_SECONDS),
            "--namespace", "default", "--http-port", "0")));
    steps.say("log: " + operator.log());
    steps.step("kubectl apply -f examples/", () -> {
      steps.say(kubectl("apply", "-f", root.resolve("examples").toString()));
      return null;
    });

    steps.step("wait: the operator numbered the members and applied the o2cb cluster on both nodes", () ->
        await("Ocfs2Cluster " + CLUSTER + " applied on both nodes", Duration.ofMinutes(3), this::clusterApplied));
    steps.say(kubectl("get", "ocfs2cluster", CLUSTER) + "\n" + kubectl("get", "ocfs2cluster", CLUSTER, "-o",
        "jsonpath={range .status.members[*]}{.nodeName}: number {.number}, address {.address}, {.state}\n{end}"));

    steps.step("wait: formatted once, PersistentVolume published, claim " + CLAIM_NAMESPACE + "/" + CLAIM + " Bound",
        () -> await("volume formatted and claim bound", Duration.ofMinutes(5), this::publishedAndBound));
    JsonNode published = status(ISV, VOLUME);
    JsonNode formatted = published.path("formatted");
    steps.say("formatted on " + formatted.path("node").asText() + " (uuid " + formatted.path("uuid").asText() + ")\n"
        + kubectl("get", "pv") + "\n" + kubectl("get", "pvc", "-n", CLAIM_NAMESPACE));
    report.put("demo", "formatted_on", formatted.path("node").asText());

    PersistentVolume pv = client().persistentVolumes().withName(published.path("persistentVolumeName").asText()).get();
    CSIPersistentVolumeSource csi = pv.getSpec().getCsi();
    DemoRun.check(CsiDriver.NAME.equals(csi.getDriver()), "PV " + pv.getMetadata().getName() + " has driver "
        + csi.getDriver());
    String volumeId = csi.getVolumeHandle();
    Map<String, String> context = csi.getVolumeAttributes();
    for (String n : bed.nodes()) {
      String pod = pod(n);
      steps.step("kubelet on " + n + ", for pod " + pod + ": NodeStageVolume + NodePublishVolume with PV "
          + pv.getMetadata().getName() + "'s volume handle and attributes", () -> {
            kubelet.stage(n, Kubelet.stageRequest(volumeId, context));
            kubelet.publish(n, Kubelet.publishRequest(volumeId, context, pod));
            return null;
          });
      Map<String, Object> stageSteps = StageLog.steps(bed.pluginLog(n), "");
      report.section("stage_steps_seconds_" + n).putAll(stageSteps);
      steps.say("stage steps (plugin log): " + stageSteps.entrySet().stream()
          .map(e -> e.getKey() + " " + e.getValue() + " s").collect(Collectors.joining(", ")));
    }

    String f1 = Kubelet.publishPath(volumeId, pod("node1")) + "/hello.bin";
    String f2 = Kubelet.publishPath(volumeId, pod("node2")) + "/hello.bin";
    String sum1 = steps.step("write 16 MiB on node1 through its pod's path", () -> {
      bed.run("node1", Duration.ofSeconds(120), "dd", "if=/dev/urandom", "of=" + f1, "bs=1M", "count=16",
          "conv=fsync", "status=none");
      return sha256("node1", f1);
    });
    String sum2 = steps.step("read it on node2 through its pod's path", () -> sha256("node2", f2));
    steps.say("sha256 node1 " + sum1 + "\nsha256 node2 " + sum2);
    DemoRun.check(sum1.equals(sum2), "node2 read other bytes than node1 wrote");
    report.put("demo", "shared_file_sha256_equal", true);

    steps.step("wait: kubectl get isv shows Ready, mounted on both nodes with 2/2 paths each", () ->
        await("Ready with 2/2 paths on both nodes", Duration.ofMinutes(2), () -> healthy(status(ISV, VOLUME))));
    steps.say(kubectl("get", "isv") + "\n" + nodeLines());

    steps.step("cut node1's SAN B link", () -> {
      bed.bed().fault("link-down", "node1", "b");
      return null;
    });
    long cut = System.nanoTime();
    steps.step("wait: the status shows Degraded: node1 still mounted, one of its paths down", () ->
        await("Degraded with a path of node1 down", Duration.ofMinutes(2), () -> pathDownShown(status(ISV, VOLUME))));
    report.put("path_failure", "degraded_shown_after_seconds", Report.round(Steps.since(cut)));
    JsonNode degraded = condition(VOLUME, "Degraded");
    steps.say(kubectl("get", "isv") + "\nDegraded: " + degraded.path("reason").asText() + ": "
        + degraded.path("message").asText() + "\n" + nodeLines());
    steps.step("restore the link", () -> {
      bed.bed().fault("link-up", "node1", "b");
      return null;
    });
    long restored = System.nanoTime();
    steps.step("wait: Ready again, not Degraded, 2/2 paths on both nodes", () ->
        await("back to 2/2 paths", Duration.ofMinutes(2), () -> healthy(status(ISV, VOLUME))));
    report.put("path_failure", "recovery_shown_after_seconds", Report.round(Steps.since(restored)));
    steps.say(kubectl("get", "isv") + "\n" + nodeLines());
    DemoRun.check(sum1.equals(sha256("node2", f2)), "the file changed during the link failure");

    for (String n : List.of("node2", "node1")) {
      steps.step("kubelet on " + n + " after its pod ended: NodeUnpublishVolume + NodeUnstageVolume", () -> {
        kubelet.unpublish(n, volumeId, pod(n));
        kubelet.unstage(n, volumeId);
        return null;
      });
      String left = bed.exec(n, Duration.ofSeconds(60), "bash", "-c",
          "iscsiadm -m session 2>/dev/null; dmsetup ls --target multipath 2>/dev/null | grep -v 'No devices';"
              + " grep ' ocfs2 ' /proc/mounts").stdout().strip();
      steps.say(left.isEmpty() ? n + ": no session, no map, no OCFS2 mount left" : n + " still has:\n" + left);
      DemoRun.check(left.isEmpty(), n + " kept state after unstage");
    }
  }

  // ---- what the demo waits for -----------------------------------------------------------------------------------

  private boolean clusterApplied() {
    JsonNode s = status(O2CB_CLUSTER, CLUSTER);
    JsonNode members = s.path("members");
    return members.size() == bed.nodes().size()
        && StreamSupport.stream(members.spliterator(), false).allMatch(m -> "Applied".equals(m.path("state").asText()));
  }

  private boolean publishedAndBound() {
    JsonNode s = status(ISV, VOLUME);
    if (!s.path("formatted").has("uuid") || s.path("persistentVolumeName").asText().isEmpty()) {
      return false;
    }
    PersistentVolumeClaim pvc = client().persistentVolumeClaims().inNamespace(CLAIM_NAMESPACE).withName(CLAIM).get();
    return pvc != null && pvc.getStatus() != null && "Bound".equals(pvc.getStatus().getPhase());
  }

  /**
   * Degraded for a path or session of node1 (not because its agent stopped answering), node1 still mounted with one
   * path active: what a user must see while one SAN link of a node is down.
   */
  private static boolean pathDownShown(JsonNode s) {
    JsonNode degraded = condition(s, "Degraded");
    JsonNode node1 = nodeStatus(s, "node1");
    return "True".equals(degraded.path("status").asText())
        && List.of("PathDown", "SessionDown").contains(degraded.path("reason").asText())
        && node1.path("mounted").asBoolean() && node1.path("paths").path("active").asInt() == 1;
  }

  /** Ready, not Degraded, and every node of this bed mounted with all its paths active. */
  private boolean healthy(JsonNode s) {
    if (!"True".equals(condition(s, "Ready").path("status").asText())
        || "True".equals(condition(s, "Degraded").path("status").asText())) {
      return false;
    }
    for (String n : bed.nodes()) {
      JsonNode node = nodeStatus(s, n);
      if (!node.path("mounted").asBoolean() || node.path("paths").path("active").asInt() != 2
          || node.path("paths").path("failed").asInt() != 0) {
        return false;
      }
    }
    return true;
  }

  private String nodeLines() {
    JsonNode s = status(ISV, VOLUME);
    List<String> lines = new ArrayList<>();
    for (JsonNode n : s.path("nodes")) {
      lines.add(n.path("node").asText() + ": mounted " + n.path("mounted").asBoolean() + ", paths active "
          + n.path("paths").path("active").asInt() + " failed " + n.path("paths").path("failed").asInt()
          + (n.path("problems").isEmpty() ? "" : ", problems " + n.path("problems")));
    }
    return String.join("\n", lines);
  }

  private static JsonNode nodeStatus(JsonNode status, String node) {
    return element(status.path("nodes"), "node", node);
  }

  private JsonNode condition(String volume, String type) {
    return condition(status(ISV, volume), type);
  }

  private static JsonNode condition(JsonNode status, String type) {
    return element(status.path("conditions"), "type", type);
  }

  /** The element of {@code array} whose {@code field} is {@code value}; an empty object when there is none. */
  private static JsonNode element(JsonNode array, String field, String value) {
    for (JsonNode e : array) {
      if (value.equals(e.path(field).asText())) {
        return e;
      }
    }
    return JSON.createObjectNode();
  }

  private JsonNode status(ResourceDefinitionContext kind, String name) {
    GenericKubernetesResource r = client().genericKubernetesResources(kind).withName(name).get();
    return r == null ? JSON.createObjectNode() : JSON.valueToTree(r).path("status");
  }

  /** Polls every second, bounded; fails at once when the operator exited. Returns true (for {@link Steps#step}). */
  private Boolean await(String what, Duration limit, BooleanSupplier condition) {
    boolean held = Poll.waitFor(limit, Duration.ofSeconds(1), () -> {
      operator.requireAlive();
      return condition.getAsBoolean();
    });
    if (!held) {
      ControlPlane.KubectlResult now = controlPlane.kubectl("get", "isv,ocfs2cluster", "-o", "yaml");
      throw new IllegalStateException("not within " + limit + ": " + what + "\n" + now.stdout() + now.stderr()
          + "\noperator log " + operator.log() + ":\n" + HostCommands.tail(operator.log(), 20));
    }
    return true;
  }

  // ---- helpers -----------------------------------------------------------------------------------------------

  private static String pod(String node) {
    return "shared-writers-" + node;
  }

  private String sha256(String node, String file) {
    return bed.run(node, Duration.ofSeconds(60), "sha256sum", file).split(" ")[0];
  }

  private KubernetesClient client() {
    return controlPlane.client();
  }

  /** Runs the real kubectl; a failure is an error with its output. */
  private String kubectl(String... args) {
    ControlPlane.KubectlResult r = controlPlane.kubectl(args);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl " + String.join(" ", args) + " exited " + r.exitCode() + ": "
          + r.stderr().strip());
    }
    return "$ kubectl " + String.join(" ", args) + "\n" + r.stdout().stripTrailing();
  }

  @Override
  public String diagnostics() {
    StringBuilder sb = new StringBuilder();
    if (operator != null) {
      sb.append("operator log ").append(operator.log()).append(", last lines:\n")
          .append(HostCommands.tail(operator.log(), 20)).append('\n');
    }
    if (bed != null) {
      sb.append(bed.diagnostics()).append('\n');
    }
    if (controlPlane != null) {
      sb.append("control plane logs ").append(controlPlane.logDir());
    }
    return sb.toString();
  }

  @Override
  public void close() {
    List<RuntimeException> errors = new ArrayList<>();
    for (AutoCloseable c : new AutoCloseable[] {operator, kubelets, bed, controlPlane}) {
      if (c == null) {
        continue;
      }
      try {
        c.close();
      } catch (Exception e) {
        errors.add(new IllegalStateException("closing " + c.getClass().getSimpleName() + ": " + e, e));
      }
    }
    if (!errors.isEmpty()) {
      throw errors.get(0);
    }
  }
}
