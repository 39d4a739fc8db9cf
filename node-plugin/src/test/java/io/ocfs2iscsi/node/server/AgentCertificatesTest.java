package io.ocfs2iscsi.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import io.ocfs2iscsi.agent.v1.AgentCertificatesGrpc;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenRequest;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenResponse;
import io.ocfs2iscsi.agent.v1.InstallCertificateRequest;
import io.ocfs2iscsi.node.testing.RecordingTrustManager;
import io.ocfs2iscsi.node.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's own certificate: the plugin makes its key, serves a self-signed certificate, hands the operator its
 * identity token and serves the certificate the operator installs, from the next connection on.
 */
class AgentCertificatesTest {

  static final String OPERATOR = AgentMutualTlsTest.OPERATOR;
  static final String NODE1 = "spiffe://ocfs2iscsi.io/ns/storage-system/node/node1";

  @TempDir Path dir;
  TestCertificates ca;
  TestCertificates.Pem operator;
  Path cert;
  Path key;
  Path token;
  GrpcServers.Running agent;

  @BeforeEach
  void start() throws Exception {
    ca = new TestCertificates(dir, "ocfs2iscsi-test-ca");
    operator = ca.client("operator", OPERATOR);
    cert = dir.resolve("state/agent-tls/tls.crt");
    key = dir.resolve("state/agent-tls/tls.key");
    token = Files.writeString(dir.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.node1-pod.signature\n");
    agent = startAgent();
  }

  private GrpcServers.Running startAgent() {
    AgentKeyFiles own = new AgentKeyFiles(cert, key);
    own.ensure("node1");
    return GrpcServers.startAgentTls(new Endpoint.Tcp("127.0.0.1", 0), new AgentTls(cert, key, ca.caFile, OPERATOR),
        List.of(new AgentCertificateService("node1", Optional.of(token), own)));
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  @Test
  void aNewNodeMakesItsKeyAndServesASelfSignedCertificateUntilTheOperatorIssuesOne() throws Exception {
    assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));

    RecordingTrustManager seen = new RecordingTrustManager();
    GetIdentityTokenResponse identity = call(seen, s -> s.getIdentityToken(GetIdentityTokenRequest.getDefaultInstance()));

    assertThat(identity.getToken()).isEqualTo("eyJhbGciOiJSUzI1NiJ9.node1-pod.signature");
    assertThat(identity.getNodeName()).isEqualTo("node1");
    X509Certificate self = seen.server();
    assertThat(self.getSubjectX500Principal()).isEqualTo(self.getIssuerX500Principal());
    self.verify(self.getPublicKey());
    assertThat(self.getSubjectX500Principal().getName()).isEqualTo("CN=self-signed node1");
  }

  @Test
  void theInstalledCertificateIsServedFromTheNextConnectionAndSurvivesARestart() throws Exception {
    RecordingTrustManager first = new RecordingTrustManager();
    call(first, s -> s.getIdentityToken(GetIdentityTokenRequest.getDefaultInstance()));
    String issued = ca.serverFor(first.server().getPublicKey(), NODE1);

    call(new RecordingTrustManager(), s -> s.installCertificate(
        InstallCertificateRequest.newBuilder().setCertificateChainPem(issued).build()));

    assertThat(servedIssuer()).isEqualTo("CN=ocfs2iscsi-test-ca");
    agent.close();
    agent = startAgent();
    assertThat(servedIssuer()).as("after a plugin restart").isEqualTo("CN=ocfs2iscsi-test-ca");
  }

  @Test
  void aCertificateForAnotherKeyIsRefusedAndChangesNothing() throws Exception {
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    String foreign = ca.serverFor(ec.generateKeyPair().getPublic(), NODE1);

    assertThatThrownBy(() -> call(new RecordingTrustManager(), s -> s.installCertificate(
            InstallCertificateRequest.newBuilder().setCertificateChainPem(foreign).build())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
          assertThat(e.getStatus().getDescription()).contains("not for this agent's key");
        });
    assertThat(servedIssuer()).isEqualTo("CN=self-signed node1");
  }

  @Test
  void onlyTheOperatorGetsTheToken() {
    TestCertificates.Pem otherNode = ca.client("node2", "spiffe://ocfs2iscsi.io/ns/storage-system/node/node2");

    assertThatThrownBy(() -> call(otherNode, new RecordingTrustManager(),
            s -> s.getIdentityToken(GetIdentityTokenRequest.getDefaultInstance())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  private String servedIssuer() throws Exception {
    RecordingTrustManager seen = new RecordingTrustManager();
    call(seen, s -> s.getIdentityToken(GetIdentityTokenRequest.getDefaultInstance()));
    return seen.server().getIssuerX500Principal().getName();
  }

  private <T> T call(RecordingTrustManager trust,
      Function<AgentCertificatesGrpc.AgentCertificatesBlockingStub, T> rpc) throws Exception {
    return call(operator, trust, rpc);
  }

  private <T> T call(TestCertificates.Pem client, RecordingTrustManager trust,
      Function<AgentCertificatesGrpc.AgentCertificatesBlockingStub, T> rpc) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", agent.port())
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient().trustManager(trust)
            .keyManager(client.cert().toFile(), client.key().toFile())).build())
        .build();
    try {
      return rpc.apply(AgentCertificatesGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS));
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
