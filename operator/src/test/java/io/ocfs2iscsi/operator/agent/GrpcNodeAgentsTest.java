package io.ocfs2iscsi.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.operator.tls.CertificateAuthority;
import io.ocfs2iscsi.operator.tls.IssuedCertificate;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator's agent client over real TLS on loopback: it talks only to the node it meant, and it follows its
 * certificate files when they change.
 */
class GrpcNodeAgentsTest {

  static final String NODES = "spiffe://ocfs2iscsi.io/ns/storage-system/node/";
  static final String OPERATOR = "spiffe://ocfs2iscsi.io/ns/storage-system/operator";
  static final Duration DAY = Duration.ofDays(1);

  @TempDir Path dir;
  Path operatorFiles;
  CertificateAuthority ca;
  GrpcNodeAgents agents;
  final List<Server> servers = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    ca = CertificateAuthority.create("test-ca", DAY);
    operatorFiles = Files.createDirectory(dir.resolve("operator"));
    install(operatorFiles, ca, ca.issueClient("iscsi-ocfs2-operator", OPERATOR, DAY));
    agents = GrpcNodeAgents.mutualTls(operatorFiles.resolve("ca.crt"), operatorFiles.resolve("tls.crt"),
        operatorFiles.resolve("tls.key"), NODES, Optional.empty());
  }

  @AfterEach
  void tearDown() throws Exception {
    agents.close();
    for (Server s : servers) {
      s.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theNodeItDialledAnswers() throws Exception {
    String node1 = agent("node1", ca, ca);

    assertThat(nodeNameAt("node1", node1)).isEqualTo("node1");
  }

  @Test
  void aServerWhoseCertificateNamesAnotherNodeIsRefused() throws Exception {
    // node2 holds a good certificate of the same CA; at node1's address it must not get node1's calls (and their
    // CHAP secrets).
    String impostor = agent("node2", ca, ca);

    assertThatThrownBy(() -> nodeNameAt("node1", impostor))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(AgentErrors.describe(e)).contains("names " + NODES + "node2, not the node dialled ("
              + NODES + "node1)");
        });
    assertThat(nodeNameAt("node2", impostor)).as("the same agent, dialled as the node it is").isEqualTo("node2");
  }

  @Test
  void renewedFilesAreUsedForTheNextConnectionAndTheOldCaIsRefused() throws Exception {
    CertificateAuthority renewed = CertificateAuthority.create("renewed-ca", DAY);
    assertThat(nodeNameAt("node1", agent("node1", ca, ca))).isEqualTo("node1");

    install(operatorFiles, renewed, renewed.issueClient("iscsi-ocfs2-operator", OPERATOR, DAY));

    assertThat(nodeNameAt("node1", agent("node1", renewed, renewed)))
        .as("a node renewed from the new CA, trusting only the new CA").isEqualTo("node1");
    String stale = agent("node1", ca, renewed);
    assertThatThrownBy(() -> nodeNameAt("node1", stale))
        .as("a node still presenting a certificate of the replaced CA")
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  private String nodeNameAt(String node, String endpoint) {
    return agents.at(node, endpoint).withDeadlineAfter(20, TimeUnit.SECONDS)
        .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()).getNodeName();
  }

  /**
   * A node agent on loopback for {@code node}: its certificate issued by {@code issuer}, accepting clients of
   * {@code clients}. Returns host:port.
   */
  private String agent(String node, CertificateAuthority issuer, CertificateAuthority clients) throws Exception {
    Path files = Files.createTempDirectory(dir, node);
    IssuedCertificate cert = issuer.issueServer(List.of(), List.of(NODES + node), DAY);
    Files.writeString(files.resolve("tls.crt"), cert.certificatePem());
    Files.writeString(files.resolve("tls.key"), cert.privateKeyPem());
    Files.writeString(files.resolve("ca.crt"), clients.self().certificatePem());
    Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .sslContext(GrpcSslContexts.forServer(files.resolve("tls.crt").toFile(), files.resolve("tls.key").toFile())
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
        .build()
        .start();
    servers.add(server);
    return "127.0.0.1:" + server.getPort();
  }

  /** Writes ca.crt, tls.crt and tls.key as a Secret volume update does: each file replaced at once. */
  private static void install(Path files, CertificateAuthority ca, IssuedCertificate cert) throws Exception {
    write(files, "ca.crt", ca.self().certificatePem());
    write(files, "tls.crt", cert.certificatePem());
    write(files, "tls.key", cert.privateKeyPem());
  }

  private static void write(Path files, String name, String content) throws Exception {
    Path tmp = files.resolve("." + name);
    Files.writeString(tmp, content);
    Files.move(tmp, files.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
