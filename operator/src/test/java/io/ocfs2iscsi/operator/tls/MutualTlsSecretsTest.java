package io.ocfs2iscsi.operator.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.operator.cli.EnsureCertsCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class MutualTlsSecretsTest {

  private static final String NS = "storage-system";
  private static final String OPERATOR = "spiffe://ocfs2iscsi.io/ns/storage-system/operator";

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

  private int ensureAll(String... more) {
    List<String> args = new ArrayList<>(List.of("--namespace=" + NS, "--operator-secret=op-tls",
        "--operator-identity=" + OPERATOR, "--trust-configmap=mtls-trust", "--ca-secret=mtls-ca",
        "--validity-days=30"));
    args.addAll(List.of(more));
    return ensureCerts(args.toArray(String[]::new));
  }

  @Test
  void theOperatorGetsItsIdentityAndTheNodesOnlyTheCaCertificate() throws Exception {
    assertThat(ensureAll()).as(err.toString(StandardCharsets.UTF_8)).isZero();

    X509Certificate ca = cert(secret("mtls-ca"), "tls.crt");
    X509Certificate operator = cert(secret("op-tls"), "tls.crt");
    operator.verify(ca.getPublicKey());
    assertThat(cert(secret("op-tls"), "ca.crt")).isEqualTo(ca);
    assertThat(AgentIdentities.uris(operator)).containsExactly(OPERATOR);
    assertThat(operator.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(secret("op-tls").getType()).isEqualTo("kubernetes.io/tls");
    assertThat(new String(Base64.getDecoder().decode(secret("op-tls").getData().get("tls.key")),
        StandardCharsets.UTF_8)).startsWith("-----BEGIN PRIVATE KEY-----");
    Map<String, String> trust = client.configMaps().inNamespace(NS).withName("mtls-trust").get().getData();
    assertThat(trust).containsOnlyKeys("ca.crt");
    assertThat(parse(trust.get("ca.crt"))).isEqualTo(ca);
    assertThat(client.secrets().inNamespace(NS).list().getItems()).extracting(s -> s.getMetadata().getName())
        .as("no node key is made here").containsExactlyInAnyOrder("mtls-ca", "op-tls");
  }

  @Test
  void aSecondRunKeepsEverything() throws Exception {
    ensureAll();
    String before = secret("op-tls").getData().get("tls.crt") + secret("mtls-ca").getData().get("tls.crt");

    assertThat(ensureAll()).isZero();

    assertThat(secret("op-tls").getData().get("tls.crt") + secret("mtls-ca").getData().get("tls.crt"))
        .isEqualTo(before);
    assertThat(out.toString(StandardCharsets.UTF_8))
        .contains("kept Secret op-tls", "kept Secret mtls-ca", "kept ConfigMap mtls-trust");
  }

  @Test
  void anotherCaIssuesTheOperatorAnewAndReplacesTheNodesTrust() throws Exception {
    ensureAll();
    client.secrets().inNamespace(NS).withName("mtls-ca").delete();
    CertificateAuthority replacement = CertificateAuthority.create("replacement-ca", Duration.ofDays(30));
    client.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("mtls-ca").endMetadata()
        .withType("kubernetes.io/tls")
        .withData(Map.of("tls.crt", encode(replacement.self().certificatePem()),
            "tls.key", encode(replacement.self().privateKeyPem())))
        .build()).create();

    assertThat(ensureAll("--create-ca=false")).isZero();

    cert(secret("op-tls"), "tls.crt").verify(replacement.certificate().getPublicKey());
    assertThat(parse(client.configMaps().inNamespace(NS).withName("mtls-trust").get().getData().get("ca.crt")))
        .isEqualTo(replacement.certificate());
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("issued Secret op-tls anew: not a certificate of the CA",
        "updated ConfigMap mtls-trust");
  }

  @Test
  void aCaThatIsNotThereYetIsWaitedFor() {
    assertThat(ensureAll("--create-ca=false")).isEqualTo(1);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("the CA Secret storage-system/mtls-ca does not exist");
  }

  @Test
  void aMissingFlagIsNamed() {
    assertThat(ensureCerts("--namespace=" + NS)).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("--operator-secret is required");
  }

  @Test
  void aCaSurvivesAPemRoundTrip() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create("test-ca", Duration.ofDays(1));
    IssuedCertificate self = ca.self();
    CertificateAuthority loaded = CertificateAuthority.load(self.certificatePem(), self.privateKeyPem());

    parse(loaded.issueClient("c", Duration.ofDays(1)).certificatePem()).verify(ca.certificate().getPublicKey());
  }

  private Secret secret(String name) {
    Secret s = client.secrets().inNamespace(NS).withName(name).get();
    assertThat(s).as("Secret " + name).isNotNull();
    return s;
  }

  private static String encode(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static X509Certificate cert(Secret secret, String key) throws Exception {
    return parse(new String(Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8));
  }

  private static X509Certificate parse(String pem) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)));
  }
}
