package io.ocfs2iscsi.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which tokens prove "I am the node plugin on node N" (the API server's answers played by the mock server). */
@EnableKubernetesMockClient
class NodeIdentityReviewTest {

  static final String NS = "storage-system";
  static final String PLUGIN_SA = "system:serviceaccount:storage-system:ocfs2iscsi-node-plugin";

  KubernetesMockServer server;
  KubernetesClient client;

  NodeIdentityReview review() {
    return new NodeIdentityReview(client, NS, "ocfs2iscsi-node-plugin");
  }

  @Test
  void thePluginsPodOnTheNodeIsAccepted() throws Exception {
    reviewAnswers(true, PLUGIN_SA, "ocfs2iscsi-node-plugin-x1", "uid-1");
    pod("ocfs2iscsi-node-plugin-x1", "uid-1", "node1");

    assertThat(review().refusal("node1", "token-of-x1")).isEmpty();
    String body = server.takeRequest().getBody().readUtf8();
    assertThat(body).contains("\"token\":\"token-of-x1\"", "\"audiences\":[\"ocfs2iscsi.io/node-agent\"]");
  }

  @Test
  void thePluginsPodOnAnotherNodeIsRefused() {
    reviewAnswers(true, PLUGIN_SA, "ocfs2iscsi-node-plugin-x2", "uid-2");
    pod("ocfs2iscsi-node-plugin-x2", "uid-2", "node2");

    assertThat(review().refusal("node1", "token-of-x2"))
        .hasValue("pod storage-system/ocfs2iscsi-node-plugin-x2 runs on node node2, not on node1");
  }

  @Test
  void anotherServiceAccountIsRefused() {
    reviewAnswers(true, "system:serviceaccount:storage-system:default", "debug-pod", "uid-3");
    pod("debug-pod", "uid-3", "node1");

    assertThat(review().refusal("node1", "token-of-debug-pod")).hasValueSatisfying(
        r -> assertThat(r).contains("system:serviceaccount:storage-system:default", PLUGIN_SA));
  }

  @Test
  void aTokenOfAPodThatWasReplacedIsRefused() {
    reviewAnswers(true, PLUGIN_SA, "ocfs2iscsi-node-plugin-x1", "uid-old");
    pod("ocfs2iscsi-node-plugin-x1", "uid-new", "node1");

    assertThat(review().refusal("node1", "old-token")).hasValueSatisfying(r -> assertThat(r).contains("no longer"));
  }

  @Test
  void aTokenTheApiServerRejectsIsRefused() {
    reviewAnswers(false, null, null, null);

    assertThat(review().refusal("node1", "forged")).hasValueSatisfying(
        r -> assertThat(r).contains("did not accept the token"));
  }

  private void reviewAnswers(boolean authenticated, String user, String podName, String podUid) {
    TokenReview answer = new TokenReviewBuilder()
        .withNewStatus()
        .withAuthenticated(authenticated)
        .withAudiences(authenticated ? List.of("ocfs2iscsi.io/node-agent") : List.of())
        .withNewUser()
        .withUsername(user)
        .withExtra(podName == null ? Map.of() : Map.of(
            "authentication.kubernetes.io/pod-name", List.of(podName),
            "authentication.kubernetes.io/pod-uid", List.of(podUid)))
        .endUser()
        .endStatus()
        .build();
    server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReturn(201, answer).once();
  }

  private void pod(String name, String uid, String node) {
    Pod pod = new PodBuilder().withNewMetadata().withName(name).withNamespace(NS).withUid(uid).endMetadata()
        .withNewSpec().withNodeName(node).endSpec().build();
    server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/" + name).andReturn(200, pod).once();
  }
}
