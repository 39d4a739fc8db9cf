package io.ocfs2iscsi.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.handler.ssl.SslContextBuilder;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.node.grpc.GrpcErrors;
import io.ocfs2iscsi.node.grpc.NodeAgentService;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.testing.TestCertificates;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's mutual TLS on a real TCP port: only clients with a certificate of the agent's CA get in, and of those
 * only the one naming the operator's identity may call.
 */
class AgentMutualTlsTest {

  static final String OPERATOR = "spiffe://ocfs2iscsi.io/ns/storage-system/operator";

  @TempDir Path dir;
  TestCertificates ca;
  TestCertificates.Pem server;
  GrpcServers.Running agent;

  @BeforeEach
  void start() {
    ca = new TestCertificates(dir, "ocfs2iscsi-test-ca");
    server = ca.server("node-agent");
    ReferenceHost host = new ReferenceHost(dir.resolve("host"));
    NodeAgentService service = new NodeAgentService(
        new GrpcErrors(host.redactor), host.inventory(), host.cluster, host.formatter, host.inspector,
        host.expander, host.slots);
    agent = GrpcServers.startAgentTls(
        new Endpoint.Tcp("127.0.0.1", 0), new AgentTls(server.cert(), server.key(), ca.caFile, OPERATOR),
        List.of(service));
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  private String callWith(SslContextBuilder client) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", agent.port())
        .sslContext(GrpcSslContexts.configure(client).build())
        .overrideAuthority("localhost")
        .build();
    try {
      return NodeAgentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
          .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()).getNodeName();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void theOperatorsCertificateIsServed() throws Exception {
    TestCertificates.Pem operator = ca.client("operator", OPERATOR);

    String name = callWith(SslContextBuilder.forClient().trustManager(ca.caFile.toFile())
        .keyManager(operator.cert().toFile(), operator.key().toFile()));

    assertThat(name).isEqualTo("drbd01");
  }

  @Test
  void aCertificateOfTheSameCaWithAnotherIdentityIsDenied() {
    // What a node holds: its own certificate from the same CA. It must not reach another node's agent.
    TestCertificates.Pem otherNode = ca.client("node2", "spiffe://ocfs2iscsi.io/ns/storage-system/node/node2");

    assertThatThrownBy(() -> callWith(SslContextBuilder.forClient().trustManager(ca.caFile.toFile())
            .keyManager(otherNode.cert().toFile(), otherNode.key().toFile())))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription())
              .contains("spiffe://ocfs2iscsi.io/ns/storage-system/node/node2", OPERATOR);
        });
  }

  @Test
  void aCertificateOfTheSameCaWithoutAnyIdentityIsDenied() {
    TestCertificates.Pem anonymous = ca.client("anonymous");

    assertThatThrownBy(() -> callWith(SslContextBuilder.forClient().trustManager(ca.caFile.toFile())
            .keyManager(anonymous.cert().toFile(), anonymous.key().toFile())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void aClientWithoutACertificateIsRefused() {
    assertThatThrownBy(() -> callWith(SslContextBuilder.forClient().trustManager(ca.caFile.toFile())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aClientWithACertificateOfAnotherCaIsRefused() {
    TestCertificates rogue = new TestCertificates(dir, "rogue-ca");
    TestCertificates.Pem intruder = rogue.client("intruder", OPERATOR);

    assertThatThrownBy(() -> callWith(SslContextBuilder.forClient().trustManager(ca.caFile.toFile())
            .keyManager(intruder.cert().toFile(), intruder.key().toFile())))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aPlaintextClientIsRefused() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", agent.port()).usePlaintext().build();
    try {
      assertThatThrownBy(() -> NodeAgentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
              .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()))
          .isInstanceOf(StatusRuntimeException.class);
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void unreadableTlsFilesFailAtStartWithTheirNames() {
    assertThatThrownBy(() -> GrpcServers.startAgentTls(new Endpoint.Tcp("127.0.0.1", 0),
            new AgentTls(dir.resolve("missing.crt"), server.key(), ca.caFile, OPERATOR), List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("missing.crt");
  }
}
