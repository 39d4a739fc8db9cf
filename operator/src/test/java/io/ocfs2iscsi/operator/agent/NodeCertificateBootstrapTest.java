package io.ocfs2iscsi.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.AgentCertificatesGrpc;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenRequest;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenResponse;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.agent.v1.InstallCertificateRequest;
import io.ocfs2iscsi.agent.v1.InstallCertificateResponse;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.contract.tls.ReloadingKeyManager;
import io.ocfs2iscsi.operator.tls.CertificateAuthority;
import io.ocfs2iscsi.operator.tls.IssuedCertificate;
import io.ocfs2iscsi.operator.tls.NodeCertificateIssuer;
import io.ocfs2iscsi.operator.tls.NodeIdentityReview;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new node gets its own certificate from the operator: over real TLS on loopback, with the API server's answers
 * (TokenReview, the pod) played by the mock server. The agent here keeps its key in files like the plugin does.
 */
@EnableKubernetesMockClient
class NodeCertificateBootstrapTest {

  static final String NS = "storage-system";
  static final String NODES = "spiffe://ocfs2iscsi.io/ns/storage-system/node/";
  static final String OPERATOR = "spiffe://ocfs2iscsi.io/ns/storage-system/operator";
  static final Duration DAY = Duration.ofDays(1);

  KubernetesMockServer server;
  KubernetesClient client;
  @TempDir Path dir;
  CertificateAuthority ca;
  GrpcNodeAgents agents;
  FakeAgent agent;

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("agents-ca", DAY);
    Path operator = Files.createDirectory(dir.resolve("operator"));
    IssuedCertificate client = ca.issueClient("iscsi-ocfs2-operator", OPERATOR, DAY);
    Files.writeString(operator.resolve("ca.crt"), ca.self().certificatePem());
    Files.writeString(operator.resolve("tls.crt"), client.certificatePem());
    Files.writeString(operator.resolve("tls.key"), client.privateKeyPem());
    Files.writeString(operator.resolve("issuer.crt"), ca.self().certificatePem());
    Files.writeString(operator.resolve("issuer.key"), ca.self().privateKeyPem());
    NodeCertificateIssuer issuer = new NodeCertificateIssuer(
        new NodeIdentityReview(this.client, NS, "ocfs2iscsi-node-plugin"), operator.resolve("issuer.crt"),
        operator.resolve("issuer.key"), NODES);
    agents = GrpcNodeAgents.mutualTls(operator.resolve("ca.crt"), operator.resolve("tls.crt"),
        operator.resolve("tls.key"), NODES, Optional.of(issuer));
  }

  @AfterEach
  void tearDown() throws Exception {
    agents.close();
    if (agent != null) {
      agent.server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void aNewNodeIsIssuedItsCertificateAndAnswersFromTheNextConnection() throws Exception {
    agent = new FakeAgent("node1", "token-of-x1");
    apiServerSays("ocfs2iscsi-node-plugin-x1", "uid-1", "node1");

    assertThatThrownBy(() -> nodeNameAt("node1"))
        .as("its self-signed certificate")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> nodeNameAt("node1").equals("node1"));

    assertThat(agent.installs.get()).isEqualTo(1);
    X509Certificate served = agent.keys.certificate();
    served.verify(ca.certificate().getPublicKey());
    assertThat(AgentIdentities.uris(served)).containsExactly(NODES + "node1");
    assertThat(Files.readString(agent.files.resolve("tls.key"))).isEqualTo(agent.keyPem);
  }

  @Test
  void aNodeWhoseTokenBelongsToAnotherNodeGetsNothing() throws Exception {
    // At node1's address, with a genuine token of the plugin's pod on node2.
    agent = new FakeAgent("node1", "token-of-x2");
    apiServerSays("ocfs2iscsi-node-plugin-x2", "uid-2", "node2");

    assertThatThrownBy(() -> nodeNameAt("node1")).isInstanceOf(StatusRuntimeException.class);
    await().atMost(Duration.ofSeconds(20)).until(() -> agent.tokenRequests.get() > 0);

    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> agent.installs.get() == 0);
    assertThatThrownBy(() -> nodeNameAt("node1")).isInstanceOf(StatusRuntimeException.class);
  }

  @Test
  void renewalIsDueInTheLastThirdOfACertificatesLife() throws Exception {
    X509Certificate cert = CertificateAuthority.create("c", Duration.ofDays(90)).certificate();
    Instant from = cert.getNotBefore().toInstant();
    Duration life = Duration.between(from, cert.getNotAfter().toInstant());

    assertThat(GrpcNodeAgents.renewalDue(cert, from.plus(life.dividedBy(2)))).isFalse();
    assertThat(GrpcNodeAgents.renewalDue(cert, from.plus(life.multipliedBy(3).dividedBy(4)))).isTrue();
  }

  private String nodeNameAt(String node) {
    return agents.at(node, "127.0.0.1:" + agent.server.getPort()).withDeadlineAfter(10, TimeUnit.SECONDS)
        .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()).getNodeName();
  }

  private void apiServerSays(String pod, String uid, String node) {
    server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews")
        .andReturn(201, new TokenReviewBuilder().withNewStatus().withAuthenticated(true)
            .withAudiences(AgentIdentities.TOKEN_AUDIENCE)
            .withNewUser().withUsername("system:serviceaccount:" + NS + ":ocfs2iscsi-node-plugin")
            .withExtra(Map.of("authentication.kubernetes.io/pod-name", List.of(pod),
                "authentication.kubernetes.io/pod-uid", List.of(uid)))
            .endUser().endStatus().build())
        .always();
    server.expect().get().withPath("/api/v1/namespaces/" + NS + "/pods/" + pod)
        .andReturn(200, new PodBuilder().withNewMetadata().withName(pod).withNamespace(NS).withUid(uid)
            .endMetadata().withNewSpec().withNodeName(node).endSpec().build())
        .always();
  }

  /**
   * Test seam: a node agent that keeps its key and certificate in files read on every handshake (as the plugin
   * does), starting with a certificate the operator does not trust, and installs what the operator issues.
   */
  final class FakeAgent {
    final Path files;
    final String keyPem;
    final ReloadingKeyManager keys;
    final Server server;
    final AtomicInteger installs = new AtomicInteger();
    final AtomicInteger tokenRequests = new AtomicInteger();

    FakeAgent(String node, String token) throws Exception {
      files = Files.createTempDirectory(dir, node);
      IssuedCertificate untrusted =
          CertificateAuthority.create("self", DAY).issueServer("self-signed-" + node, DAY);
      keyPem = untrusted.privateKeyPem();
      Files.writeString(files.resolve("tls.crt"), untrusted.certificatePem());
      Files.writeString(files.resolve("tls.key"), keyPem);
      Files.writeString(files.resolve("ca.crt"), ca.self().certificatePem());
      keys = new ReloadingKeyManager(files.resolve("tls.crt"), files.resolve("tls.key"), m -> {});
      server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
          .sslContext(GrpcSslContexts.configure(SslContextBuilder.forServer(keys))
              .trustManager(files.resolve("ca.crt").toFile())
              .clientAuth(ClientAuth.REQUIRE)
              .build())
          .addService(new NodeAgentGrpc.NodeAgentImplBase() {
            @Override
            public void getNodeInfo(GetNodeInfoRequest request, StreamObserver<GetNodeInfoResponse> response) {
              response.onNext(GetNodeInfoResponse.newBuilder().setNodeName(node).build());
              response.onCompleted();
            }
          })
          .addService(new AgentCertificatesGrpc.AgentCertificatesImplBase() {
            @Override
            public void getIdentityToken(GetIdentityTokenRequest request,
                StreamObserver<GetIdentityTokenResponse> response) {
              tokenRequests.incrementAndGet();
              response.onNext(GetIdentityTokenResponse.newBuilder().setToken(token).setNodeName(node).build());
              response.onCompleted();
            }

            @Override
            public void installCertificate(InstallCertificateRequest request,
                StreamObserver<InstallCertificateResponse> response) {
              try {
                Path tmp = files.resolve(".tls.crt");
                Files.writeString(tmp, request.getCertificateChainPem());
                Files.move(tmp, files.resolve("tls.crt"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
              } catch (Exception e) {
                response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
                return;
              }
              installs.incrementAndGet();
              response.onNext(InstallCertificateResponse.getDefaultInstance());
              response.onCompleted();
            }
          })
          .build()
          .start();
    }
  }
}
