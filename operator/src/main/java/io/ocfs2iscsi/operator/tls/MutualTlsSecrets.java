package io.ocfs2iscsi.operator.tls;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Creates the operator's client Secret and the node agents' server Secret (each with ca.crt, tls.crt, tls.key),
 * signed by one CA kept in a third Secret. Only what is missing is created, so certificates survive upgrades; a
 * leaf that was deleted is re-issued from the kept CA, so the other side keeps trusting it.
 */
public final class MutualTlsSecrets {

  /** Names of the three Secrets and the node agents' authority. */
  public record Names(String namespace, String caSecret, String operatorSecret, String agentSecret,
      String agentAuthority) {}

  private final KubernetesClient client;
  private final Consumer<String> log;

  public MutualTlsSecrets(KubernetesClient client, Consumer<String> log) {
    this.client = client;
    this.log = log;
  }

  public void ensure(Names names, Duration validity) {
    CertificateAuthority ca = ensureCa(names, validity);
    String caPem = ca.self().certificatePem();
    if (get(names.namespace(), names.operatorSecret()) == null) {
      create(names.namespace(), names.operatorSecret(), caPem, ca.issueClient("iscsi-ocfs2-operator", validity));
    } else {
      log.accept("kept Secret " + names.operatorSecret());
    }
    if (get(names.namespace(), names.agentSecret()) == null) {
      create(names.namespace(), names.agentSecret(), caPem, ca.issueServer(names.agentAuthority(), validity));
    } else {
      log.accept("kept Secret " + names.agentSecret());
    }
  }

  private CertificateAuthority ensureCa(Names names, Duration validity) {
    Secret existing = get(names.namespace(), names.caSecret());
    if (existing != null) {
      log.accept("kept Secret " + names.caSecret());
      return CertificateAuthority.load(decode(existing, "tls.crt"), decode(existing, "tls.key"));
    }
    CertificateAuthority ca = CertificateAuthority.create("iscsi-ocfs2-operator-ca", validity);
    IssuedCertificate self = ca.self();
    create(names.namespace(), names.caSecret(), self.certificatePem(), self);
    return ca;
  }

  private Secret get(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private void create(String namespace, String name, String caPem, IssuedCertificate cert) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("ca.crt", encode(caPem));
    data.put("tls.crt", encode(cert.certificatePem()));
    data.put("tls.key", encode(cert.privateKeyPem()));
    client.secrets().inNamespace(namespace).resource(
        new SecretBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(namespace)
            .addToLabels("app.kubernetes.io/name", "iscsi-ocfs2-operator")
            .endMetadata()
            .withType("kubernetes.io/tls")
            .withData(data)
            .build())
        .create();
    log.accept("created Secret " + name);
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String decode(Secret secret, String key) {
    String value = secret.getData() == null ? null : secret.getData().get(key);
    if (value == null) {
      throw new IllegalStateException("Secret " + secret.getMetadata().getName() + " has no " + key);
    }
    return new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }
}
