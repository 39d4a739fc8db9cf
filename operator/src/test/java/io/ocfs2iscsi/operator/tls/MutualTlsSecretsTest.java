package io.ocfs2iscsi.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.ocfs2iscsi.operator.cli.EnsureCertsCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class MutualTlsSecretsTest {

  private static final String NS = "storage-system";
  private static final String AUTHORITY = "node-agent.storage-system.ocfs2iscsi.io";

  KubernetesClient client;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  private int ensureCerts(String... args) {
    return new EnsureCertsCommand(
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8),
            client)
        .run(List.of(args));
  }

  private int ensureAll() {
    return ensureCerts("--namespace=" + NS, "--operator-secret=op-tls", "--agent-secret=agent-tls",
        "--agent-authority=" + AUTHORITY, "--ca-secret=mtls-ca", "--validity-days=30");
  }

  @Test
  void createsCaOperatorAndAgentSecretsThatChainToOneCa() throws Exception {
    assertThat(ensureAll()).isZero();

    X509Certificate ca = cert(secret("mtls-ca"), "tls.crt");
    X509Certificate operator = cert(secret("op-tls"), "tls.crt");
    X509Certificate agent = cert(secret("agent-tls"), "tls.crt");
    operator.verify(ca.getPublicKey());
    agent.verify(ca.getPublicKey());
    assertThat(cert(secret("agent-tls"), "ca.crt")).isEqualTo(ca);
    assertThat(cert(secret("op-tls"), "ca.crt")).isEqualTo(ca);
    assertThat(agent.getSubjectAlternativeNames().stream().map(n -> (Object) n.get(1)).toList())
        .containsExactly(AUTHORITY);
    assertThat(agent.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(operator.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(secret("agent-tls").getType()).isEqualTo("kubernetes.io/tls");
    assertThat(new String(Base64.getDecoder().decode(secret("agent-tls").getData().get("tls.key")),
        StandardCharsets.UTF_8)).startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void aSecondRunKeepsEverything() throws Exception {
    ensureAll();
    String before = secret("agent-tls").getData().get("tls.crt") + secret("op-tls").getData().get("tls.crt");

    assertThat(ensureAll()).isZero();

    assertThat(secret("agent-tls").getData().get("tls.crt") + secret("op-tls").getData().get("tls.crt"))
        .isEqualTo(before);
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("kept Secret agent-tls", "kept Secret op-tls");
  }

  @Test
  void aDeletedLeafIsReissuedFromTheKeptCa() throws Exception {
    ensureAll();
    X509Certificate operatorBefore = cert(secret("op-tls"), "tls.crt");
    client.secrets().inNamespace(NS).withName("agent-tls").delete();

    assertThat(ensureAll()).isZero();

    X509Certificate ca = cert(secret("mtls-ca"), "tls.crt");
    cert(secret("agent-tls"), "tls.crt").verify(ca.getPublicKey());
    assertThat(cert(secret("op-tls"), "tls.crt")).isEqualTo(operatorBefore);
  }

  @Test
  void aMissingFlagIsNamed() {
    assertThat(ensureCerts("--namespace=" + NS)).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--operator-secret is required");
  }

  @Test
  void aCaSurvivesAPemRoundTrip() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", java.time.Duration.ofDays(1));
    IssuedCertificate self = ca.self();
    CertificateAuthority loaded = CertificateAuthority.load(self.certificatePem(), self.privateKeyPem());

    List<X509Certificate> chain = new ArrayList<>();
    chain.add(parse(loaded.issueClient("c", java.time.Duration.ofDays(1)).certificatePem()));
    chain.get(0).verify(ca.certificate().getPublicKey());
  }

  private Secret secret(String name) {
    Secret s = client.secrets().inNamespace(NS).withName(name).get();
    assertThat(s).as("Secret " + name).isNotNull();
    return s;
  }

  private static X509Certificate cert(Secret secret, String key) throws Exception {
    return parse(new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8));
  }

  private static X509Certificate parse(String pem) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
  }
}
