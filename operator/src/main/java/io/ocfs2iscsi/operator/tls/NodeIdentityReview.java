package io.ocfs2iscsi.operator.tls;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authentication.UserInfo;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a service account token proves "I am the node plugin on node N". The API server checks the token
 * (TokenReview, for the node-agent audience only) and names the pod it was issued to; that pod must be a live pod of
 * the node plugin's service account, scheduled on N. A kubelet can only obtain tokens for pods bound to its own node,
 * so a node that is taken over still cannot prove to be another.
 */
public final class NodeIdentityReview {

  static final String POD_NAME = "authentication.kubernetes.io/pod-name";
  static final String POD_UID = "authentication.kubernetes.io/pod-uid";

  private final KubernetesClient client;
  private final String namespace;
  private final String serviceAccount;

  /** The node plugin runs as {@code serviceAccount} in {@code namespace}. */
  public NodeIdentityReview(KubernetesClient client, String namespace, String serviceAccount) {
    this.client = client;
    this.namespace = namespace;
    this.serviceAccount = serviceAccount;
  }

  /** Empty when {@code token} proves to be the node plugin on {@code node}; otherwise why not. */
  public Optional<String> refusal(String node, String token) {
    TokenReview review;
    try {
      review = client.resource(new TokenReviewBuilder()
              .withNewSpec().withToken(token).withAudiences(AgentIdentities.TOKEN_AUDIENCE).endSpec()
              .build())
          .create();
    } catch (KubernetesClientException e) {
      return Optional.of("the TokenReview failed: " + e.getMessage());
    }
    var status = review == null ? null : review.getStatus();
    if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
      return Optional.of("the API server did not accept the token"
          + (status == null || status.getError() == null ? "" : ": " + status.getError()));
    }
    if (status.getAudiences() != null && !status.getAudiences().isEmpty()
        && !status.getAudiences().contains(AgentIdentities.TOKEN_AUDIENCE)) {
      return Optional.of("the token is not for " + AgentIdentities.TOKEN_AUDIENCE);
    }
    UserInfo user = status.getUser();
    String expectedUser = "system:serviceaccount:" + namespace + ":" + serviceAccount;
    if (user == null || !expectedUser.equals(user.getUsername())) {
      return Optional.of("the token belongs to " + (user == null ? "nobody" : user.getUsername()) + ", not "
          + expectedUser);
    }
    Optional<String> podName = extra(user, POD_NAME);
    Optional<String> podUid = extra(user, POD_UID);
    if (podName.isEmpty() || podUid.isEmpty()) {
      return Optional.of("the token is not bound to a pod");
    }
    Pod pod;
    try {
      pod = client.pods().inNamespace(namespace).withName(podName.get()).get();
    } catch (KubernetesClientException e) {
      return Optional.of("cannot read pod " + namespace + "/" + podName.get() + ": " + e.getMessage());
    }
    if (pod == null || !podUid.get().equals(pod.getMetadata().getUid())) {
      return Optional.of("pod " + namespace + "/" + podName.get() + " of the token no longer exists");
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return Optional.of("pod " + namespace + "/" + podName.get() + " is being deleted");
    }
    String scheduled = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (!node.equals(scheduled)) {
      return Optional.of("pod " + namespace + "/" + podName.get() + " runs on node " + scheduled + ", not on " + node);
    }
    return Optional.empty();
  }

  private static Optional<String> extra(UserInfo user, String key) {
    Map<String, List<String>> extra = user.getExtra();
    List<String> values = extra == null ? null : extra.get(key);
    return values == null || values.size() != 1 ? Optional.empty() : Optional.of(values.get(0));
  }
}
