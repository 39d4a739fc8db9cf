package io.ocfs2iscsi.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.testsupport.ControlPlane;
import io.ocfs2iscsi.testsupport.WithControlPlane;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ApiServerContract} against the real kube-apiserver of e2e/control-plane (started once per test JVM by the
 * extension; needs Go to build it the first time, and fails with the fix when it cannot).
 */
@WithControlPlane
class LocalControlPlaneApiServerTest extends ApiServerContract {

  private final ControlPlane controlPlane;

  LocalControlPlaneApiServerTest(ControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  @Override
  protected KubernetesClient client() {
    return controlPlane.client();
  }

  @Test
  void kubectlGetIsvPrintsTheDeclaredColumns() {
    var volumes = client().genericKubernetesResources(API_VERSION, "IscsiSharedVolume");
    GenericKubernetesResource isv = exampleOf("IscsiSharedVolume");
    String name = uniqueName("kubectl");
    isv.getMetadata().setName(name);
    GenericKubernetesResource created = volumes.resource(isv).create();
    try {
      created.setAdditionalProperty("status", degradedButServing());
      volumes.resource(created).updateStatus();

      ControlPlane.KubectlResult get = controlPlane.kubectl("get", "isv", name);

      assertThat(get.exitCode()).as(get.stderr()).isZero();
      List<String> lines = get.stdout().lines().toList();
      assertThat(lines).hasSize(2);
      assertThat(lines.get(0).split("\\s{2,}"))
          .containsExactly("NAME", "AGE", "DEGRADED", "READY", "NODES MOUNTED", "PATHS");
      // Degraded but serving: one of four paths is down, the volume is still Ready.
      assertThat(lines.get(1).split("\\s+")).startsWith(name).endsWith("True", "True", "2", "3/4");
    } finally {
      volumes.withName(name).delete();
    }
  }

  @Test
  void kubectlAppliesTheExamplesWithAServerSideDryRun() {
    Path examples = io.ocfs2iscsi.operator.ProjectFiles.root().resolve("examples");

    ControlPlane.KubectlResult apply = controlPlane.kubectl("apply", "--dry-run=server", "-f", examples.toString());

    assertThat(apply.exitCode()).as(apply.stderr()).isZero();
    assertThat(apply.stdout()).contains("ocfs2cluster.ocfs2iscsi.io/iscsi created (server dry run)")
        .contains("iscsisharedvolume.ocfs2iscsi.io/mylun created (server dry run)");
  }

  @Test
  void kubectlRefusesABadManifestNamingTheField() {
    Path bad = io.ocfs2iscsi.operator.ProjectFiles.root()
        .resolve("operator/src/test/resources/invalid/iqn-bad-month.yaml");

    ControlPlane.KubectlResult apply = controlPlane.kubectl("apply", "--dry-run=server", "-f", bad.toString());

    assertThat(apply.exitCode()).isNotZero();
    assertThat(apply.stderr()).contains("spec.target.iqn");
  }
}
