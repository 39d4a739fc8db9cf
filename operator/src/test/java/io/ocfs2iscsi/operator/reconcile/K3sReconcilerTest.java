package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import org.junit.jupiter.api.AfterAll;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * {@link RealApiServerScenarios} against k3s in a container, for machines with Docker. Without Docker Testcontainers
 * skips the class ("disabledWithoutDocker is true and Docker is not available"); the same scenarios always run
 * against the local control plane ({@link ControlPlaneReconcilerTest}).
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sReconcilerTest extends RealApiServerScenarios {

  @Container
  static final K3sContainer K3S = new K3sContainer(DockerImageName.parse("rancher/k3s:v1.34.1-k3s1"));

  private KubernetesClient client;
  private String namespace;

  @Override
  protected synchronized KubernetesClient client() {
    if (client == null) {
      client = newClient();
      namespace = "reconciler-" + ProcessHandle.current().pid() % 100000;
      client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata()
          .build()).create();
    }
    return client;
  }

  @Override
  protected KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml())).build();
  }

  @Override
  protected String namespace() {
    client();
    return namespace;
  }

  @AfterAll
  void closeClient() {
    if (client != null) {
      client.close();
    }
  }
}
