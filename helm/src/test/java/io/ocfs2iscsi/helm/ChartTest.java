package io.ocfs2iscsi.helm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.storage.CSIDriver;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChartTest {

  private static final Path RESOURCES = Chart.root().resolve("helm/src/test/resources");

  @Test
  void lintsClean() {
    LintResult result = new Helm(Chart.dir()).lint().strict().call();

    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void defaultValuesRenderTheWholeInstall() {
    List<HasMetadata> objects = Chart.objects(Chart.template(null));

    assertThat(objects)
        .extracting(HasMetadata::getKind)
        .contains("Deployment", "DaemonSet", "CSIDriver", "ClusterRole", "ClusterRoleBinding", "Role",
            "RoleBinding", "ServiceAccount", "Service", "Job")
        .doesNotContain("Ocfs2Cluster", "Certificate", "CustomResourceDefinition");
    Job certgen = Chart.one(objects, Job.class);
    assertThat(certgen.getMetadata().getName()).isEqualTo("ocfs2iscsi-certgen-1");
    assertThat(certgen.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("ensure-certs", "--namespace=storage-system", "--operator-secret=ocfs2iscsi-operator-tls",
            "--ca-secret=ocfs2iscsi-mtls-ca", "--create-ca=true",
            "--operator-identity=spiffe://ocfs2iscsi.io/ns/storage-system/operator",
            "--trust-configmap=ocfs2iscsi-mtls-trust");
  }

  @Test
  void theOperatorCertifiesEachNodeWithTheCaOnlyItMounts() {
    List<HasMetadata> objects = Chart.objects(Chart.template(null));
    var operator = Chart.one(objects, Deployment.class).getSpec().getTemplate().getSpec();
    Map<String, String> env = operator.getContainers().get(0).getEnv().stream()
        .collect(Collectors.toMap(e -> e.getName(), e -> e.getValue() == null ? "" : e.getValue()));

    assertThat(env).containsEntry("AGENT_TLS_NODE_IDENTITY_PREFIX", "spiffe://ocfs2iscsi.io/ns/storage-system/node/")
        .containsEntry("AGENT_TLS_ISSUER_KEY", "/etc/ocfs2iscsi/issuer/tls.key")
        .containsEntry("AGENT_TLS_CA", "/etc/ocfs2iscsi/issuer/tls.crt")
        .containsEntry("NODE_PLUGIN_SERVICE_ACCOUNT", "storage-system/ocfs2iscsi-node-plugin");
    assertThat(operator.getVolumes()).anySatisfy(v -> assertThat(v.getSecret()).isNotNull()
        .satisfies(secret -> assertThat(secret.getSecretName()).isEqualTo("ocfs2iscsi-mtls-ca")));
    ClusterRole reviews = Chart.all(objects, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().equals("ocfs2iscsi-operator-node-certificates")).findFirst()
        .orElseThrow();
    assertThat(verbs(reviews.getRules(), "authentication.k8s.io", "tokenreviews")).containsExactly("create");
    var plugin = Chart.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();
    assertThat(plugin.getVolumes()).anySatisfy(v -> {
      assertThat(v.getProjected()).isNotNull();
      var token = v.getProjected().getSources().get(0).getServiceAccountToken();
      assertThat(token.getAudience()).isEqualTo("ocfs2iscsi.io/node-agent");
    });
    assertThat(plugin.getVolumes()).anySatisfy(v -> assertThat(v.getConfigMap()).isNotNull()
        .satisfies(c -> assertThat(c.getName()).isEqualTo("ocfs2iscsi-mtls-trust")));
  }

  @Test
  void certManagerIssuesTheCaAndTheJobWaitsForIt() throws Exception {
    List<HasMetadata> objects = Chart.objects(Chart.template(RESOURCES.resolve("cert-manager-values.yaml")));

    var ca = Chart.generic(objects, "Certificate").orElseThrow();
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) ca.getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("isCA", true).containsEntry("secretName", "ocfs2iscsi-mtls-ca");
    assertThat(Chart.one(objects, Job.class).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .contains("--ca-secret=ocfs2iscsi-mtls-ca", "--create-ca=false");
  }

  @Test
  void theOperatorAndCertgenRunAsTheImagesUserAndGroupNeverRootsGroup() {
    // kubelet takes only the user ID from an image's USER uid:gid; without runAsGroup the runtime looks the group
    // up in the image's /etc/passwd, which has no entry for 65532, and the process ends up in group 0.
    List<HasMetadata> objects = Chart.objects(Chart.template(null));
    var operator = Chart.one(objects, Deployment.class).getSpec().getTemplate().getSpec().getSecurityContext();
    var certgen = Chart.one(objects, Job.class).getSpec().getTemplate().getSpec().getSecurityContext();

    for (var pod : List.of(operator, certgen)) {
      assertThat(pod.getRunAsNonRoot()).isTrue();
      assertThat(pod.getRunAsUser()).isEqualTo(65532L);
      assertThat(pod.getRunAsGroup()).isEqualTo(65532L);
    }
  }

  /**
   * A JVM that starts slowly (a loaded or small node: measured 60-100 s for the operator in the test bed's guests)
   * must not be killed by its liveness probe before it could answer once: kubelet restarts a container whose
   * liveness fails failureThreshold times, counted from initialDelaySeconds, unless a startupProbe holds liveness
   * back until the first success.
   */
  @ParameterizedTest
  @ValueSource(strings = {"sidecar", "builtin"})
  void livenessNeverKillsAContainerThatIsStillStartingWithinThreeMinutes(String healthz, @TempDir Path tmp)
      throws Exception {
    Path values = tmp.resolve("values.yaml");
    Files.writeString(values, "nodePlugin:\n  livenessProbe: " + healthz + "\n");
    List<HasMetadata> objects = Chart.objects(Chart.template(values));
    Container operator = container(Chart.one(objects, Deployment.class).getSpec().getTemplate().getSpec()
        .getContainers(), "operator");
    Container plugin = container(Chart.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec()
        .getContainers(), "node-plugin");

    for (Container c : List.of(operator, plugin)) {
      assertThat(secondsBeforeLivenessKills(c)).as("%s may start for this long before liveness kills it", c.getName())
          .isGreaterThanOrEqualTo(180);
    }
  }

  private static int secondsBeforeLivenessKills(Container c) {
    io.fabric8.kubernetes.api.model.Probe startup = c.getStartupProbe();
    if (startup != null) {
      return orDefault(startup.getInitialDelaySeconds(), 0)
          + orDefault(startup.getPeriodSeconds(), 10) * orDefault(startup.getFailureThreshold(), 3);
    }
    io.fabric8.kubernetes.api.model.Probe liveness = c.getLivenessProbe();
    return orDefault(liveness.getInitialDelaySeconds(), 0)
        + orDefault(liveness.getPeriodSeconds(), 10) * orDefault(liveness.getFailureThreshold(), 3);
  }

  private static int orDefault(Integer v, int kubernetesDefault) {
    return v == null ? kubernetesDefault : v;
  }

  @Test
  void nodePluginIsPrivilegedOnTheHostWithBidirectionalKubeletMount() {
    DaemonSet ds = Chart.one(Chart.objects(Chart.template(null)), DaemonSet.class);
    var pod = ds.getSpec().getTemplate().getSpec();
    Container plugin = container(pod.getContainers(), "node-plugin");

    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(pod.getHostPID()).isTrue();
    assertThat(pod.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(plugin.getSecurityContext().getPrivileged()).isTrue();
    Map<String, VolumeMount> mounts =
        plugin.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));
    assertThat(mounts.get("/var/lib/kubelet").getMountPropagation()).isEqualTo("Bidirectional");
    assertThat(mounts.get("/lib/modules").getReadOnly()).isTrue();
    assertThat(mounts).containsKeys("/dev", "/sys", "/etc/iscsi", "/etc/multipath", "/etc/ocfs2",
        "/var/lib/ocfs2iscsi", "/csi");
    assertThat(plugin.getArgs())
        .contains("--csi-endpoint=unix:///csi/csi.sock", "--host-mode=nsenter", "--node-id=$(NODE_NAME)",
            "--agent-endpoint=0.0.0.0:9443", "--kubelet-dir=/var/lib/kubelet");
    assertThat(container(pod.getContainers(), "node-driver-registrar").getArgs())
        .contains("--kubelet-registration-path=/var/lib/kubelet/plugins/csi.ocfs2iscsi.io/csi.sock");
    assertThat(container(pod.getContainers(), "liveness-probe").getArgs()).contains("--csi-address=/csi/csi.sock");
    assertThat(plugin.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "reference-values.yaml", "cert-manager-values.yaml"})
  void noNodeHoldsAKeyOfAnotherNodeOrOfTheOperator(String values) {
    // Every node can read whatever Secret the DaemonSet mounts (its kubelet fetches it), so a key there is every
    // node's key: one shared server key lets a node pose as another; the operator's key lets it call every node.
    List<HasMetadata> objects = Chart.objects(Chart.template(values.isEmpty() ? null : RESOURCES.resolve(values)));
    var pod = Chart.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();

    assertThat(pod.getVolumes())
        .noneMatch(v -> v.getSecret() != null)
        .noneMatch(v -> v.getProjected() != null
            && v.getProjected().getSources().stream().anyMatch(p -> p.getSecret() != null));
    assertThat(container(pod.getContainers(), "node-plugin").getArgs())
        .contains("--agent-tls-key=/var/lib/ocfs2iscsi/agent-tls/tls.key",
            "--agent-tls-client-identity=spiffe://ocfs2iscsi.io/ns/storage-system/operator");
  }

  @Test
  void theNodePluginConfinesItsMountsToTheKubeletDirOfTheValues(@TempDir Path tmp) throws Exception {
    Path values = tmp.resolve("values.yaml");
    Files.writeString(values, "nodePlugin:\n  kubeletDir: /data/kubelet\n");
    DaemonSet ds = Chart.one(Chart.objects(Chart.template(values)), DaemonSet.class);

    assertThat(container(ds.getSpec().getTemplate().getSpec().getContainers(), "node-plugin").getArgs())
        .contains("--kubelet-dir=/data/kubelet");
  }

  @Test
  void theSidecarRegistersTheDriverByDefaultAndTheExplicitValueRendersTheSame(@TempDir Path tmp) throws Exception {
    Path values = tmp.resolve("values.yaml");
    Files.writeString(values, "nodePlugin:\n  registration: sidecar\n");

    assertThat(Chart.template(values)).isEqualTo(Chart.template(null));
    var pod = Chart.one(Chart.objects(Chart.template(null)), DaemonSet.class).getSpec().getTemplate().getSpec();
    assertThat(pod.getContainers()).extracting(Container::getName).contains("node-driver-registrar");
    assertThat(container(pod.getContainers(), "node-plugin").getArgs())
        .noneMatch(a -> a.startsWith("--registration-socket"));
  }

  @Test
  void builtinRegistrationIsServedByThePluginInKubeletsPluginsRegistry(@TempDir Path tmp) throws Exception {
    Path values = tmp.resolve("values.yaml");
    Files.writeString(values, "nodePlugin:\n  registration: builtin\n  kubeletDir: /data/kubelet\n");
    var pod = Chart.one(Chart.objects(Chart.template(values)), DaemonSet.class).getSpec().getTemplate().getSpec();
    Container plugin = container(pod.getContainers(), "node-plugin");

    assertThat(pod.getContainers()).extracting(Container::getName)
        .doesNotContain("node-driver-registrar")
        .contains("node-plugin", "liveness-probe");
    assertThat(plugin.getArgs()).contains(
        "--registration-socket=/data/kubelet/plugins_registry/csi.ocfs2iscsi.io-reg.sock",
        "--kubelet-registration-path=/data/kubelet/plugins/csi.ocfs2iscsi.io/csi.sock",
        "--kubelet-dir=/data/kubelet");
    // The registry is reached through the Bidirectional kubelet-dir mount: a second mount nested below it would
    // propagate to the host and pile up there with every container restart.
    Map<String, VolumeMount> mounts =
        plugin.getVolumeMounts().stream().collect(Collectors.toMap(VolumeMount::getMountPath, m -> m));
    assertThat(mounts.get("/data/kubelet").getMountPropagation()).isEqualTo("Bidirectional");
    assertThat(mounts.keySet()).noneMatch(path -> path.startsWith("/data/kubelet/"));
    var kubeletDir = pod.getVolumes().stream().filter(v -> v.getName().equals(mounts.get("/data/kubelet").getName()))
        .findFirst().orElseThrow().getHostPath();
    assertThat(kubeletDir.getPath()).isEqualTo("/data/kubelet");
    assertThat(kubeletDir.getType()).isEqualTo("Directory");
    // Nothing mounts the sidecar's volume any more.
    assertThat(pod.getVolumes()).extracting(v -> v.getName()).doesNotContain("registration-dir");
  }

  @Test
  void theSidecarAnswersHealthzByDefaultAndTheExplicitValueRendersTheSame(@TempDir Path tmp) throws Exception {
    Path values = tmp.resolve("values.yaml");
    Files.writeString(values, "nodePlugin:\n  livenessProbe: sidecar\n");

    assertThat(Chart.template(values)).isEqualTo(Chart.template(null));
    var pod = Chart.one(Chart.objects(Chart.template(null)), DaemonSet.class).getSpec().getTemplate().getSpec();
    Container plugin = container(pod.getContainers(), "node-plugin");
    assertThat(container(pod.getContainers(), "liveness-probe").getArgs())
        .contains("--csi-address=/csi/csi.sock", "--http-endpoint=:9808");
    assertThat(plugin.getArgs()).noneMatch(a -> a.startsWith("--healthz-endpoint"));
    assertProbesAsk(plugin, 9808);
  }

  @Test
  void builtinHealthzIsServedByThePluginOnTheSamePort(@TempDir Path tmp) throws Exception {
    Path values = tmp.resolve("values.yaml");
    Files.writeString(values, "nodePlugin:\n  livenessProbe: builtin\nsidecars:\n  livenessProbe:\n    port: 9900\n");
    var pod = Chart.one(Chart.objects(Chart.template(values)), DaemonSet.class).getSpec().getTemplate().getSpec();
    Container plugin = container(pod.getContainers(), "node-plugin");

    assertThat(pod.getContainers()).extracting(Container::getName)
        .containsExactly("node-plugin", "node-driver-registrar");
    // hostNetwork: the node's address, where kubelet's probes connect.
    assertThat(pod.getHostNetwork()).isTrue();
    assertThat(plugin.getArgs()).contains("--healthz-endpoint=0.0.0.0:9900");
    assertProbesAsk(plugin, 9900);
  }

  @Test
  void withBuiltinRegistrationAndHealthzThePodRunsOnlyTheProjectsLocalImage() {
    String rendered = Chart.template(RESOURCES.resolve("local-images-values.yaml"));
    List<HasMetadata> objects = Chart.objects(rendered);
    var pod = Chart.one(objects, DaemonSet.class).getSpec().getTemplate().getSpec();

    assertThat(pod.getContainers()).singleElement().satisfies(plugin -> {
      assertThat(plugin.getName()).isEqualTo("node-plugin");
      assertThat(plugin.getImage()).isEqualTo("localhost/ocfs2iscsi/iscsi-ocfs2-node-plugin:test");
      assertThat(plugin.getArgs()).contains(
          "--registration-socket=/var/lib/kubelet/plugins_registry/csi.ocfs2iscsi.io-reg.sock",
          "--kubelet-registration-path=/var/lib/kubelet/plugins/csi.ocfs2iscsi.io/csi.sock",
          "--healthz-endpoint=0.0.0.0:9808");
      assertProbesAsk(plugin, 9808);
    });
    assertThat(pod.getInitContainers()).isEmpty();
    List<Container> everyContainer = new ArrayList<>();
    Chart.all(objects, DaemonSet.class).forEach(d -> everyContainer.addAll(containers(d.getSpec().getTemplate())));
    Chart.all(objects, Deployment.class).forEach(d -> everyContainer.addAll(containers(d.getSpec().getTemplate())));
    Chart.all(objects, Job.class).forEach(j -> everyContainer.addAll(containers(j.getSpec().getTemplate())));
    assertThat(everyContainer).hasSizeGreaterThanOrEqualTo(3).allSatisfy(c -> {
      assertThat(c.getImage()).as(c.getName()).startsWith("localhost/ocfs2iscsi/").endsWith(":test");
      assertThat(c.getImagePullPolicy()).as(c.getName()).isEqualTo("Never");
    });
    // Nothing else in the release names an image either.
    assertThat(rendered.lines().filter(l -> l.strip().startsWith("image:") || l.contains(" image:")))
        .isNotEmpty()
        .allSatisfy(l -> assertThat(l).contains("localhost/ocfs2iscsi/"));
  }

  /** kubelet's liveness and readiness probes GET /healthz on the port the plugin's container declares as healthz. */
  private static void assertProbesAsk(Container plugin, int port) {
    assertThat(plugin.getPorts()).filteredOn(p -> "healthz".equals(p.getName())).singleElement()
        .satisfies(p -> assertThat(p.getContainerPort()).isEqualTo(port));
    for (var probe : List.of(plugin.getLivenessProbe(), plugin.getReadinessProbe())) {
      assertThat(probe.getHttpGet().getPath()).isEqualTo("/healthz");
      var target = probe.getHttpGet().getPort();
      assertThat(target.getIntVal() != null ? String.valueOf(target.getIntVal()) : target.getStrVal())
          .isIn("healthz", String.valueOf(port));
      // The plugin waits at most 8 s for its CSI Probe: kubelet must wait longer to read the 500 and its reason.
      assertThat(probe.getTimeoutSeconds()).isGreaterThan(8);
    }
  }

  private static List<Container> containers(io.fabric8.kubernetes.api.model.PodTemplateSpec template) {
    List<Container> out = new ArrayList<>(template.getSpec().getContainers());
    if (template.getSpec().getInitContainers() != null) {
      out.addAll(template.getSpec().getInitContainers());
    }
    return out;
  }

  @Test
  void csiDriverNeedsNoAttachAndIsPersistentOnly() {
    CSIDriver driver = Chart.one(Chart.objects(Chart.template(null)), CSIDriver.class);

    assertThat(driver.getMetadata().getName()).isEqualTo("csi.ocfs2iscsi.io");
    assertThat(driver.getSpec().getAttachRequired()).isFalse();
    assertThat(driver.getSpec().getPodInfoOnMount()).isFalse();
    assertThat(driver.getSpec().getVolumeLifecycleModes()).containsExactly("Persistent");
    assertThat(driver.getSpec().getFsGroupPolicy()).isEqualTo("None");
  }

  @Test
  void operatorRbacGrantsExactlyWhatTheOperatorUses() {
    List<HasMetadata> objects = Chart.objects(Chart.template(null));
    ClusterRole role = Chart.all(objects, ClusterRole.class).stream()
        .filter(r -> r.getMetadata().getName().equals("ocfs2iscsi-operator")).findFirst().orElseThrow();

    assertThat(verbs(role.getRules(), "", "persistentvolumes"))
        .containsExactlyInAnyOrder("get", "list", "watch", "create", "patch", "update");
    assertThat(verbs(role.getRules(), "", "secrets")).as("no Secret in any namespace through the ClusterRole").isEmpty();
    assertThat(verbs(role.getRules(), "", "nodes")).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbs(role.getRules(), "storage.k8s.io", "csinodes")).containsExactlyInAnyOrder("get", "list", "watch");
    assertThat(verbs(role.getRules(), "ocfs2iscsi.io", "iscsisharedvolumes/status"))
        .containsExactlyInAnyOrder("get", "patch", "update");
    assertThat(role.getRules()).noneMatch(r -> r.getVerbs().contains("*") || r.getResources().contains("*"));
    assertThat(role.getRules()).noneMatch(r -> r.getVerbs().contains("delete"));
    Role leases =
        Chart.all(objects, Role.class).stream()
            .filter(r -> r.getMetadata().getName().endsWith("-operator-leases"))
            .findFirst()
            .orElseThrow();
    assertThat(verbs(leases.getRules(), "coordination.k8s.io", "leases")).contains("create", "update", "get");
    assertThat(verbs(leases.getRules(), "", "secrets")).as("the corosync authkeys: made once, read, never listed")
        .containsExactlyInAnyOrder("get", "create");
  }

  @Test
  void theOperatorReadsChapSecretsOnlyInTheReleaseNamespaceByDefault() {
    List<HasMetadata> objects = Chart.objects(Chart.template(null));

    assertThat(chapSecretRoles(objects)).containsExactly(Chart.NAMESPACE);
    assertThat(env(Chart.one(objects, Deployment.class), "CHAP_SECRET_NAMESPACES")).isEqualTo(Chart.NAMESPACE);
  }

  @Test
  void theOperatorReadsChapSecretsInTheNamespacesTheValuesName() {
    List<HasMetadata> objects = Chart.objects(Chart.template(RESOURCES.resolve("chap-namespaces-values.yaml")));

    assertThat(chapSecretRoles(objects)).containsExactly("ocfs2iscsi-system", "tenant-a");
    assertThat(env(Chart.one(objects, Deployment.class), "CHAP_SECRET_NAMESPACES"))
        .isEqualTo("ocfs2iscsi-system,tenant-a");
    for (ClusterRole clusterRole : Chart.all(objects, ClusterRole.class)) {
      assertThat(verbs(clusterRole.getRules(), "", "secrets")).as("Secrets in %s", clusterRole.getMetadata().getName())
          .isEmpty();
    }
  }

  /** Namespaces where a Role grants the operator get on Secrets (and only that), bound to its ServiceAccount. */
  private static List<String> chapSecretRoles(List<HasMetadata> objects) {
    String name = Chart.RELEASE + "-operator-chap-secrets";
    List<Role> roles = Chart.all(objects, Role.class).stream()
        .filter(r -> r.getMetadata().getName().equals(name)).toList();
    for (Role r : roles) {
      assertThat(r.getRules()).singleElement().satisfies(rule -> {
        assertThat(rule.getApiGroups()).containsExactly("");
        assertThat(rule.getResources()).containsExactly("secrets");
        assertThat(rule.getVerbs()).containsExactly("get");
      });
      RoleBinding binding = Chart.all(objects, RoleBinding.class).stream()
          .filter(b -> b.getMetadata().getName().equals(name)
              && b.getMetadata().getNamespace().equals(r.getMetadata().getNamespace()))
          .findFirst().orElseThrow(() -> new AssertionError("no RoleBinding " + name + " in "
              + r.getMetadata().getNamespace()));
      assertThat(binding.getRoleRef().getName()).isEqualTo(name);
      assertThat(binding.getSubjects()).singleElement().satisfies(sub -> {
        assertThat(sub.getName()).isEqualTo(Chart.RELEASE + "-operator");
        assertThat(sub.getNamespace()).isEqualTo(Chart.NAMESPACE);
      });
    }
    assertThat(Chart.all(objects, Role.class))
        .filteredOn(r -> r.getMetadata().getName().startsWith(Chart.RELEASE + "-operator"))
        .filteredOn(r -> r.getRules().stream().anyMatch(rule -> rule.getResources().contains("secrets")))
        // besides the release namespace's own Role, which makes and reads the corosync authkeys (checked above)
        .filteredOn(r -> !r.getMetadata().getName().equals(Chart.RELEASE + "-operator-leases"))
        .as("every operator Role that touches Secrets is a CHAP one")
        .allMatch(r -> r.getMetadata().getName().equals(name));
    return roles.stream().map(r -> r.getMetadata().getNamespace()).sorted().toList();
  }

  private static String env(Deployment d, String name) {
    return container(d.getSpec().getTemplate().getSpec().getContainers(), "operator").getEnv().stream()
        .filter(e -> e.getName().equals(name)).findFirst().map(e -> e.getValue())
        .orElseThrow(() -> new AssertionError("operator has no env " + name));
  }

  @Test
  void referenceValuesCreateTheClusterAndUseTheGivenSecret() throws Exception {
    List<HasMetadata> objects = Chart.objects(Chart.template(RESOURCES.resolve("reference-values.yaml")));

    var cluster = Chart.generic(objects, "Ocfs2Cluster").orElseThrow();
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) cluster.getAdditionalProperties().get("spec");
    assertThat(spec).containsEntry("clusterName", "iscsi").containsEntry("addressCidr", "10.10.1.0/24");
    assertThat(Chart.one(objects, Job.class).getSpec().getTemplate().getSpec().getContainers().get(0).getArgs())
        .as("the given Secret is the CA the Job derives the operator's certificate from")
        .contains("--ca-secret=ocfs2iscsi-mtls", "--create-ca=false");
    Deployment operator = Chart.one(objects, Deployment.class);
    assertThat(operator.getSpec().getReplicas()).isEqualTo(2);
    assertThat(operator.getSpec().getTemplate().getSpec().getVolumes())
        .anySatisfy(v -> assertThat(v.getSecret().getSecretName()).isEqualTo("ocfs2iscsi-mtls"));
    DaemonSet ds = Chart.one(objects, DaemonSet.class);
    assertThat(ds.getSpec().getTemplate().getSpec().getNodeSelector()).containsEntry("ocfs2iscsi.io/member", "true");
    assertThat(container(ds.getSpec().getTemplate().getSpec().getContainers(), "node-plugin").getArgs())
        .contains("--agent-endpoint=0.0.0.0:9555");
    assertThat(Files.readString(RESOURCES.resolve("reference-values.yaml"))).contains("existingSecret");
  }

  @ParameterizedTest
  @CsvSource({
    "bad-values-unknown-key.yaml, agentPrt",
    "bad-values-host-mode.yaml, hostMode",
    "bad-values-existing-secret-missing.yaml, existingSecret",
    "bad-values-cluster-name.yaml, clusterName",
    "bad-values-registration.yaml, registration",
    "bad-values-liveness-probe.yaml, livenessProbe",
  })
  void wrongValuesAreRefusedBySchema(String file, String field) {
    assertThatThrownBy(() -> Chart.template(RESOURCES.resolve(file)))
        .hasMessageContaining("values don't meet the specifications of the schema")
        .hasMessageContaining(field);
  }

  @Test
  void chartCrdsAreTheGeneratedOnes() throws Exception {
    Path committed = Chart.root().resolve("crds");
    Path chart = Chart.dir().resolve("crds");
    for (String name : List.of("iscsisharedvolumes.ocfs2iscsi.io-v1.yml", "ocfs2clusters.ocfs2iscsi.io-v1.yml")) {
      assertThat(Files.readString(chart.resolve(name)))
          .as("helm/iscsi-ocfs2-operator/crds/%s differs from crds/: run `mvn -pl operator process-classes"
              + " -Pupdate-crds`", name)
          .isEqualTo(Files.readString(committed.resolve(name)));
    }
  }

  @Test
  void valuesSchemaAllowsWhatTheOcfs2ClusterCrdAllows() throws Exception {
    Map<String, Object> values = json(Chart.dir().resolve("values.schema.json"));
    Map<String, Object> cluster = at(values, "properties", "ocfs2Cluster", "properties");
    Map<String, Object> crd = crdSpec(Chart.root().resolve("crds/ocfs2clusters.ocfs2iscsi.io-v1.yml"));

    for (String[] pair : new String[][] {{"heartbeatDeadThreshold", "heartbeat.deadThreshold"}, {"port", "port"}}) {
      Map<String, Object> value = at(cluster, pair[0]);
      Map<String, Object> field = crd;
      for (String part : pair[1].split("\\.")) {
        field = at(field, "properties", part);
      }
      assertThat(number(value.get("minimum"))).as("values ocfs2Cluster.%s minimum vs the CRD's spec.%s", pair[0],
          pair[1]).isEqualTo(number(field.get("minimum")));
      assertThat(number(value.get("maximum"))).as("values ocfs2Cluster.%s maximum vs the CRD's spec.%s", pair[0],
          pair[1]).isEqualTo(number(field.get("maximum")));
    }
    Map<String, Object> defaults = Serialization.unmarshal(Files.readString(Chart.dir().resolve("values.yaml")),
        Map.class);
    Map<String, Object> clusterDefaults = at(defaults, "ocfs2Cluster");
    assertThat(number(clusterDefaults.get("heartbeatDeadThreshold")))
        .isEqualTo(number(at(crd, "properties", "heartbeat", "properties", "deadThreshold").get("default")));
    assertThat(number(clusterDefaults.get("port"))).isEqualTo(number(at(crd, "properties", "port").get("default")));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> json(Path file) throws Exception {
    return Serialization.unmarshal(Files.readString(file), Map.class);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> crdSpec(Path crd) throws Exception {
    Map<String, Object> doc = Serialization.unmarshal(Files.readString(crd), Map.class);
    List<Map<String, Object>> versions = (List<Map<String, Object>>) at(doc, "spec").get("versions");
    return at(versions.get(0), "schema", "openAPIV3Schema", "properties", "spec");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> at(Map<String, Object> map, String... keys) {
    Map<String, Object> m = map;
    for (String k : keys) {
      m = (Map<String, Object>) m.get(k);
      if (m == null) {
        throw new AssertionError("no " + k + " in " + String.join(".", keys));
      }
    }
    return m;
  }

  private static long number(Object o) {
    if (o == null) {
      throw new AssertionError("missing number");
    }
    return ((Number) o).longValue();
  }

  private static Container container(List<Container> containers, String name) {
    return containers.stream().filter(c -> c.getName().equals(name)).findFirst().orElseThrow();
  }

  private static List<String> verbs(List<PolicyRule> rules, String group, String resource) {
    return rules.stream()
        .filter(r -> r.getApiGroups().contains(group) && r.getResources().contains(resource))
        .flatMap(r -> r.getVerbs().stream())
        .toList();
  }
}
