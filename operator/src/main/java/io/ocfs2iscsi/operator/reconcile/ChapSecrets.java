package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a volume's CHAP Secret for FormatVolume (kubelet passes the same Secret to NodeStage itself). Values never
 * leave this map: errors name the Secret and the key, never a value.
 */
public final class ChapSecrets {

  private final KubernetesClient client;

  public ChapSecrets(KubernetesClient client) {
    this.client = client;
  }

  public Map<String, String> read(SecretReference ref) {
    if (ref == null) {
      return Map.of();
    }
    Secret secret = client.secrets().inNamespace(ref.getNamespace()).withName(ref.getName()).get();
    if (secret == null) {
      throw new IllegalStateException(
          "spec.target.chapSecretRef: Secret " + ref.getNamespace() + "/" + ref.getName() + " not found");
    }
    Map<String, String> out = new LinkedHashMap<>();
    Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
    for (String key : ChapSecretKeys.ALL) {
      if (data.containsKey(key)) {
        out.put(key, new String(Base64.getDecoder().decode(data.get(key)), StandardCharsets.UTF_8));
      } else if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
        out.put(key, secret.getStringData().get(key));
      }
    }
    return out;
  }
}
