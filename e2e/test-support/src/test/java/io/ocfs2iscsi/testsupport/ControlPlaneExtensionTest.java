package io.ocfs2iscsi.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.Test;

@WithControlPlane
class ControlPlaneExtensionTest {

  @Test
  void handsOutAClientForTheRealApiServer(ControlPlane cp, KubernetesClient client) {
    assertThat(client.getKubernetesVersion().getGitVersion()).isEqualTo(cp.version()).startsWith("v1.");
    assertThat(client.getMasterUrl().toString()).startsWith("https://127.0.0.1:");
    assertThat(client.namespaces().list().getItems()).extracting(n -> n.getMetadata().getName())
        .contains("default", "kube-system");
  }

  @Test
  void givesEachTestAFreshNamespace(TestNamespace ns, KubernetesClient client) {
    Namespace created = client.namespaces().withName(ns.name()).get();
    assertThat(created).isNotNull();
    client.configMaps().inNamespace(ns.name()).resource(new ConfigMapBuilder()
        .withNewMetadata().withName("x").endMetadata().addToData("k", "v").build()).create();
    assertThat(client.configMaps().inNamespace(ns.name()).withName("x").get().getData()).containsEntry("k", "v");
    assertThat(ns.uniqueName("a")).isNotEqualTo(ns.uniqueName("a")).startsWith("a-");
  }

  @Test
  void runsTheRealKubectl(ControlPlane cp) {
    ControlPlane.KubectlResult readyz = cp.kubectl("get", "--raw", "/readyz");
    assertThat(readyz.exitCode()).as(readyz.stderr()).isZero();
    assertThat(readyz.stdout()).isEqualTo("ok");
    ControlPlane.KubectlResult version = cp.kubectl("version", "-o", "json");
    assertThat(version.stdout()).contains("\"gitVersion\": \"" + cp.version() + "\"");
  }

  @Test
  void namesAreUniqueAndFitKubernetesLimits() {
    String long63 = ControlPlane.uniqueName("x".repeat(100));
    assertThat(long63).hasSizeLessThanOrEqualTo(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(ControlPlane.uniqueName("Some_Test.Name")).matches("some-test-name-\\d+");
  }
}
