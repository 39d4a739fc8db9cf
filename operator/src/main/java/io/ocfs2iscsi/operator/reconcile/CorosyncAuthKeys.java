package io.ocfs2iscsi.operator.reconcile;

import io.ocfs2iscsi.contract.Sha256;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The corosync authkey of a user-stack cluster: made once from 256 random bytes (base64 text, which corosync reads
 * as the key's bytes) and kept in a Secret of the operator's namespace that the Ocfs2Cluster owns, so every member
 * gets the same key for as long as the cluster exists, and deleting the cluster deletes it. The key goes only into
 * the Secret and the ApplyCluster requests: never into a log line, an event or the status.
 */
final class CorosyncAuthKeys {

  private static final Logger LOG = LoggerFactory.getLogger(CorosyncAuthKeys.class);
  static final String DATA_KEY = "authkey";
  static final String CLUSTER_LABEL = "ocfs2iscsi.io/ocfs2cluster";
  static final int RANDOM_BYTES = 256;
  private static final String PREFIX = "corosync-authkey-";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final KubernetesClient client;
  private final String namespace;

  CorosyncAuthKeys(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  /** The cluster's key, made and stored on first use. */
  byte[] of(Ocfs2Cluster cluster) {
    String name = secretName(cluster.getMetadata().getName());
    Secret secret = Optional.ofNullable(client.secrets().inNamespace(namespace).withName(name).get())
        .orElseGet(() -> create(cluster, name));
    String stored = secret.getData() == null ? null : secret.getData().get(DATA_KEY);
    byte[] key = stored == null ? new byte[0] : Base64.getDecoder().decode(stored);
    if (!UserStackRules.validAuthKey(key)) {
      throw new IllegalStateException("Secret " + namespace + "/" + name + " key " + DATA_KEY + " must be "
          + UserStackRules.AUTHKEY_RULE + "; delete the Secret to have a new key made (every member then needs a"
          + " restart of corosync)");
    }
    return key;
  }

  private Secret create(Ocfs2Cluster cluster, String name) {
    byte[] random = new byte[RANDOM_BYTES];
    RANDOM.nextBytes(random);
    byte[] text = Base64.getEncoder().encodeToString(random).getBytes(StandardCharsets.US_ASCII);
    Secret made = new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(namespace)
          .addToLabels("app.kubernetes.io/managed-by", "iscsi-ocfs2-operator")
          .addToLabels(CLUSTER_LABEL, labelValue(cluster.getMetadata().getName()))
          .addNewOwnerReference()
            .withApiVersion(HasMetadata.getApiVersion(Ocfs2Cluster.class))
            .withKind(HasMetadata.getKind(Ocfs2Cluster.class))
            .withName(cluster.getMetadata().getName())
            .withUid(cluster.getMetadata().getUid())
          .endOwnerReference()
        .endMetadata()
        .withType("Opaque")
        .addToData(DATA_KEY, Base64.getEncoder().encodeToString(text))
        .build();
    try {
      Secret created = client.secrets().inNamespace(namespace).resource(made).create();
      LOG.info("made the corosync authkey of Ocfs2Cluster {} in Secret {}/{}", cluster.getMetadata().getName(),
          namespace, name);
      return created;
    } catch (KubernetesClientException e) {
      if (e.getCode() != HttpURLConnection.HTTP_CONFLICT) {
        throw e;
      }
      // Another operator instance made it first: every member must get that one.
      return client.secrets().inNamespace(namespace).withName(name).require();
    }
  }

  /** corosync-authkey-NAME, or with a digest of the name where NAME would make it longer than a Secret name may be. */
  static String secretName(String clusterName) {
    String plain = PREFIX + clusterName;
    return plain.length() <= 253 ? plain : PREFIX + Sha256.hexPrefix(clusterName, 16);
  }

  private static String labelValue(String clusterName) {
    return clusterName.length() <= 63 && clusterName.matches("[a-z0-9]([-a-z0-9.]*[a-z0-9])?") ? clusterName
        : Sha256.hexPrefix(clusterName, 16);
  }
}
