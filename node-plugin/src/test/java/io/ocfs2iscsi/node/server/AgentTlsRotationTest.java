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
import io.ocfs2iscsi.node.testing.RecordingTrustManager;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates change on disk while the agent runs (cert-manager renewals, a re-issued Secret): the next handshake
 * uses the new files, without a restart.
 */
class AgentTlsRotationTest {

  static final String OPERATOR = AgentMutualTlsTest.OPERATOR;

  @TempDir Path dir;
  Path live;
  TestCertificates oldCa;
  TestCertificates newCa;
  GrpcServers.Running agent;

  @BeforeEach
  void start() throws Exception {
    oldCa = new TestCertificates(Files.createDirectory(dir.resolve("old")), "old-ca");
    newCa = new TestCertificates(Files.createDirectory(dir.resolve("new")), "new-ca");
    live = Files.createDirectory(dir.resolve("live"));
    TestCertificates.Pem server = oldCa.server("node1");
    replace(server.cert(), "tls.crt");
    replace(server.key(), "tls.key");
    replace(oldCa.caFile, "ca.crt");
    ReferenceHost host = new ReferenceHost(dir.resolve("host"));
    NodeAgentService service = new NodeAgentService(
        new GrpcErrors(host.redactor), host.inventory(), host.cluster, host.formatter, host.inspector,
        host.expander, host.slots);
    agent = GrpcServers.startAgentTls(new Endpoint.Tcp("127.0.0.1", 0),
        new AgentTls(live.resolve("tls.crt"), live.resolve("tls.key"), live.resolve("ca.crt"), OPERATOR),
        List.of(service));
  }

  @AfterEach
  void stop() {
    agent.close();
  }

  @Test
  void newFilesServeTheNextConnectionAndTheOldCaIsNoLongerTrusted() throws Exception {
    TestCertificates.Pem oldOperator = oldCa.client("operator-old", OPERATOR);
    TestCertificates.Pem newOperator = newCa.client("operator-new", OPERATOR);
    assertThat(issuerOfServerCertificate(oldOperator)).isEqualTo("CN=old-ca");

    TestCertificates.Pem renewed = newCa.server("node1-renewed");
    replace(newCa.caFile, "ca.crt");
    replace(renewed.cert(), "tls.crt");
    replace(renewed.key(), "tls.key");

    assertThat(issuerOfServerCertificate(newOperator)).isEqualTo("CN=new-ca");
    assertThatThrownBy(() -> issuerOfServerCertificate(oldOperator))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aHalfWrittenPairKeepsTheOldOneUntilTheKeyFollows() throws Exception {
    TestCertificates.Pem operator = oldCa.client("operator", OPERATOR);
    TestCertificates.Pem renewed = oldCa.server("node1-renewed");
    X509Certificate before = serverCertificate(operator);

    replace(renewed.cert(), "tls.crt");
    assertThat(serverCertificate(operator)).as("certificate without its key").isEqualTo(before);

    replace(renewed.key(), "tls.key");
    assertThat(serverCertificate(operator).getSubjectX500Principal().getName()).isEqualTo("CN=node1-renewed");
  }

  private void replace(Path source, String name) throws Exception {
    // As the kubelet updates a Secret volume: the new content appears at once, never half-written.
    Path tmp = live.resolve("." + name + ".tmp");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, live.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private String issuerOfServerCertificate(TestCertificates.Pem client) throws Exception {
    return serverCertificate(client).getIssuerX500Principal().getName();
  }

  /** Calls the agent on a new connection as {@code client}; returns the certificate the agent presented. */
  private X509Certificate serverCertificate(TestCertificates.Pem client) throws Exception {
    RecordingTrustManager seen = new RecordingTrustManager();
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", agent.port())
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient().trustManager(seen)
            .keyManager(client.cert().toFile(), client.key().toFile())).build())
        .build();
    try {
      NodeAgentGrpc.newBlockingStub(ch).withDeadlineAfter(20, TimeUnit.SECONDS)
          .getNodeInfo(GetNodeInfoRequest.getDefaultInstance());
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    return seen.server();
  }
}
