package io.ocfs2iscsi.operator.apiserver;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link ApiServerContract} against k3s in a container, for machines with Docker. Without Docker the whole class is
 * skipped by Testcontainers ("disabledWithoutDocker"); the same checks always run against the local control plane
 * ({@link LocalControlPlaneApiServerTest}).
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sApiServerTest extends ApiServerContract {

  @Container
  static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.34.1-k3s1"));

  private KubernetesClient client;

  @Override
  protected synchronized KubernetesClient client() {
    if (client == null) {
      client = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build();
    }
    return client;
  }

  @AfterAll
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }
}
