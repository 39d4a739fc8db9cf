package io.ocfs2iscsi.operator.tls;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The chart's certgen: from one CA (a Secret, made here in generate mode, else the user's or cert-manager's) it keeps
 * the operator's client certificate (a Secret with ca.crt, tls.crt, tls.key, naming the operator's identity) and the
 * CA certificate the nodes trust (a ConfigMap: public, because every node can read what the node plugin mounts).
 * No node key is made here: each node makes its own and the operator certifies it. What is valid is kept, so
 * upgrades change nothing; an operator certificate of another CA, of another identity or in the last third of its
 * life is issued anew.
 */
public final class MutualTlsSecrets {

  /** The CA Secret, the operator's Secret and identity, and the nodes' trust ConfigMap. */
  public record Names(String namespace, String caSecret, String operatorSecret, String operatorIdentity,
      String trustConfigMap) {}

  private final KubernetesClient client;
  private final Consumer<String> log;

  public MutualTlsSecrets(KubernetesClient client, Consumer<String> log) {
    this.client = client;
    this.log = log;
  }

  /** {@code createCa} false: the CA Secret is someone else's; fail (to be retried) while it does not exist. */
  public void ensure(Names names, Duration validity, boolean createCa) {
    CertificateAuthority ca = ensureCa(names, validity, createCa);
    String caPem = ca.self().certificatePem();
    Secret operator = get(names.namespace(), names.operatorSecret());
    if (operator == null) {
      writeSecret(names, caPem, ca.issueClient("iscsi-ocfs2-operator", names.operatorIdentity(), validity), false);
      log.accept("created Secret " + names.operatorSecret());
    } else {
      Optional<String> stale = stale(operator, ca, names.operatorIdentity(), Instant.now());
      if (stale.isPresent()) {
        writeSecret(names, caPem, ca.issueClient("iscsi-ocfs2-operator", names.operatorIdentity(), validity), true);
        log.accept("issued Secret " + names.operatorSecret() + " anew: " + stale.get());
      } else {
        log.accept("kept Secret " + names.operatorSecret());
      }
    }
    ensureTrust(names, caPem);
  }

  private CertificateAuthority ensureCa(Names names, Duration validity, boolean createCa) {
    Secret existing = get(names.namespace(), names.caSecret());
    if (existing != null) {
      log.accept("kept Secret " + names.caSecret());
      return CertificateAuthority.load(decode(existing, "tls.crt"), decode(existing, "tls.key"));
    }
    if (!createCa) {
      throw new IllegalStateException("the CA Secret " + names.namespace() + "/" + names.caSecret()
          + " does not exist (yet)");
    }
    CertificateAuthority ca = CertificateAuthority.create("iscsi-ocfs2-operator-ca", validity);
    IssuedCertificate self = ca.self();
    Map<String, String> data = new LinkedHashMap<>();
    data.put("ca.crt", encode(self.certificatePem()));
    data.put("tls.crt", encode(self.certificatePem()));
    data.put("tls.key", encode(self.privateKeyPem()));
    client.secrets().inNamespace(names.namespace()).resource(secret(names.namespace(), names.caSecret(), data))
        .create();
    log.accept("created Secret " + names.caSecret());
    return ca;
  }

  /** Why the operator's certificate in {@code secret} cannot stay, if it cannot. */
  static Optional<String> stale(Secret secret, CertificateAuthority ca, String identity, Instant now) {
    X509Certificate cert;
    try {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
          new ByteArrayInputStream(decode(secret, "tls.crt").getBytes(StandardCharsets.US_ASCII)));
      cert.verify(ca.certificate().getPublicKey());
    } catch (GeneralSecurityException | IllegalStateException e) {
      return Optional.of("not a certificate of the CA " + ca.certificate().getSubjectX500Principal().getName());
    }
    if (!AgentIdentities.names(cert, identity)) {
      return Optional.of("it does not name " + identity);
    }
    Instant from = cert.getNotBefore().toInstant();
    Instant until = cert.getNotAfter().toInstant();
    if (Duration.between(now, until).compareTo(Duration.between(from, until).dividedBy(3)) < 0) {
      return Optional.of("it expires at " + until);
    }
    return Optional.empty();
  }

  private void ensureTrust(Names names, String caPem) {
    ConfigMap existing = client.configMaps().inNamespace(names.namespace()).withName(names.trustConfigMap()).get();
    ConfigMap wanted = new ConfigMapBuilder()
        .withNewMetadata()
        .withName(names.trustConfigMap())
        .withNamespace(names.namespace())
        .addToLabels("app.kubernetes.io/name", "iscsi-ocfs2-operator")
        .endMetadata()
        .withData(Map.of("ca.crt", caPem))
        .build();
    if (existing == null) {
      client.configMaps().inNamespace(names.namespace()).resource(wanted).create();
      log.accept("created ConfigMap " + names.trustConfigMap());
    } else if (!caPem.equals(existing.getData() == null ? null : existing.getData().get("ca.crt"))) {
      wanted.getMetadata().setResourceVersion(existing.getMetadata().getResourceVersion());
      client.configMaps().inNamespace(names.namespace()).resource(wanted).update();
      log.accept("updated ConfigMap " + names.trustConfigMap());
    } else {
      log.accept("kept ConfigMap " + names.trustConfigMap());
    }
  }

  private Secret get(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private void writeSecret(Names names, String caPem, IssuedCertificate cert, boolean replace) {
    Map<String, String> data = new LinkedHashMap<>();
    data.put("ca.crt", encode(caPem));
    data.put("tls.crt", encode(cert.certificatePem()));
    data.put("tls.key", encode(cert.privateKeyPem()));
    var resource = client.secrets().inNamespace(names.namespace())
        .resource(secret(names.namespace(), names.operatorSecret(), data));
    if (replace) {
      resource.update();
    } else {
      resource.create();
    }
  }

  private static Secret secret(String namespace, String name, Map<String, String> data) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .addToLabels("app.kubernetes.io/name", "iscsi-ocfs2-operator")
        .endMetadata()
        .withType("kubernetes.io/tls")
        .withData(data)
        .build();
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
