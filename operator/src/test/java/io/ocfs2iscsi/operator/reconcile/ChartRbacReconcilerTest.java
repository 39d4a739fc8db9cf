package io.ocfs2iscsi.operator.reconcile;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ocfs2iscsi.testsupport.ControlPlane;
import io.ocfs2iscsi.testsupport.TestNamespace;
import io.ocfs2iscsi.testsupport.WithControlPlane;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;

/**
 * {@link RealApiServerScenarios} with the operator running as the chart's operator ServiceAccount: its ServiceAccount,
 * ClusterRole, Role and bindings (rendered by the embedded Helm, release namespace = this test's namespace) are
 * applied to the local control plane, and the operator's client impersonates
 * {@code system:serviceaccount:<namespace>:<release>-operator}. A call the chart does not grant is refused by the
 * real RBAC authorizer and fails a scenario; ChartTest checks the other direction (no verb beyond what the code uses).
 */
@WithControlPlane
class ChartRbacReconcilerTest extends RealApiServerScenarios {

  private static final Set<String> RBAC_KINDS =
      Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding");

  private final ControlPlane controlPlane;
  private final TestNamespace namespace;
  private final String release;
  private final List<HasMetadata> applied = new ArrayList<>();

  ChartRbacReconcilerTest(ControlPlane controlPlane, TestNamespace namespace) {
    this.controlPlane = controlPlane;
    this.namespace = namespace;
    this.release = ControlPlane.uniqueName("rbac");
    for (HasMetadata o : chartRbac(release, namespace.name(), controlPlane.version())) {
      applied.add(controlPlane.client().resource(o).serverSideApply());
    }
  }

  /** The chart's RBAC objects as {@code helm template} renders them for this release and namespace. */
  static List<HasMetadata> chartRbac(String release, String namespace, String kubeVersion) {
    String root = System.getProperty("project.root", "..");
    String rendered = new Helm(Path.of(root).resolve("helm/iscsi-ocfs2-operator").toAbsolutePath().normalize())
        .template().withName(release).withNamespace(namespace).withKubeVersion(kubeVersion).skipCrds().call();
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : rendered.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      HasMetadata o = Serialization.unmarshal(doc, HasMetadata.class);
      String name = o.getMetadata().getName();
      boolean operators = name.equals(release + "-operator") || name.equals(release + "-operator-leases")
          || name.equals(release + "-operator-chap-secrets");
      if (RBAC_KINDS.contains(o.getKind()) && operators) {
        out.add(o);
      }
    }
    // The ServiceAccount, ClusterRole and binding, and a Role and binding each for Leases and for CHAP Secrets (in
    // the release namespace, the chart's default).
    List<String> kinds = out.stream().map(HasMetadata::getKind).sorted().toList();
    List<String> expected = List.of("ClusterRole", "ClusterRoleBinding", "Role", "Role", "RoleBinding", "RoleBinding",
        "ServiceAccount");
    if (!kinds.equals(expected)) {
      throw new AssertionError("expected " + expected + " for the operator, got " + kinds);
    }
    return out;
  }

  @AfterAll
  void removeClusterRbac() {
    for (HasMetadata o : applied) {
      if (o.getMetadata().getNamespace() == null) {
        controlPlane.client().resource(o).delete();
      }
    }
  }

  @Override
  protected KubernetesClient client() {
    return controlPlane.client();
  }

  /** The operator's client: the admin credentials, impersonating the chart's ServiceAccount. */
  @Override
  protected KubernetesClient newClient() {
    try {
      Config config = Config.fromKubeconfig(Files.readString(controlPlane.kubeconfig()));
      config.setImpersonateUsername("system:serviceaccount:" + namespace.name() + ":" + release + "-operator");
      return new KubernetesClientBuilder().withConfig(config).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected String namespace() {
    return namespace.name();
  }
}
