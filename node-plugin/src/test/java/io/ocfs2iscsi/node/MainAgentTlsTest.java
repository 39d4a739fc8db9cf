package io.ocfs2iscsi.node;

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
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.node.testing.RecordingTrustManager;
import io.ocfs2iscsi.node.testing.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real server main with the chart's agent flags: its own key, its token, only the operator let in. */
class MainAgentTlsTest {

  static final String OPERATOR = "spiffe://ocfs2iscsi.io/ns/storage-system/operator";

  @TempDir Path dir;

  @Test
  void theAgentMakesItsKeyAndServesOnlyTheOperator() throws Exception {
    TestCertificates ca = new TestCertificates(dir, "ocfs2iscsi-test-ca");
    Path state = dir.resolve("state");
    Path token = Files.writeString(dir.resolve("token"), "projected-token-of-the-pod");
    PluginConfig config = PluginConfig.parse(new String[] {"--node-id=drbd01",
        "--csi-endpoint=unix://" + dir.resolve("csi/csi.sock"), "--state-dir=" + state,
        "--agent-endpoint=127.0.0.1:0", "--agent-tls-ca=" + ca.caFile,
        "--agent-tls-cert=" + state.resolve("agent-tls/tls.crt"),
        "--agent-tls-key=" + state.resolve("agent-tls/tls.key"),
        "--agent-tls-identity-token=" + token, "--agent-tls-client-identity=" + OPERATOR}, Map.of());

    try (Main.Started plugin = Main.start(config)) {
      int port = plugin.servers().get(1).port();
      assertThat(state.resolve("agent-tls/tls.key")).exists();

      ManagedChannel asOperator = channel(port, ca.client("operator", OPERATOR));
      ManagedChannel asNode = channel(port, ca.client("node2", "spiffe://ocfs2iscsi.io/ns/storage-system/node/node2"));
      try {
        assertThat(AgentCertificatesGrpc.newBlockingStub(asOperator).withDeadlineAfter(30, TimeUnit.SECONDS)
            .getIdentityToken(GetIdentityTokenRequest.getDefaultInstance()).getToken())
            .isEqualTo("projected-token-of-the-pod");
        assertThatThrownBy(() -> NodeAgentGrpc.newBlockingStub(asNode).withDeadlineAfter(30, TimeUnit.SECONDS)
                .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()))
            .isInstanceOfSatisfying(StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
      } finally {
        asOperator.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        asNode.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private static ManagedChannel channel(int port, TestCertificates.Pem client) throws Exception {
    // The agent's certificate is self-signed until the operator issues one: this test client trusts it as shown.
    return NettyChannelBuilder.forAddress("127.0.0.1", port)
        .sslContext(GrpcSslContexts.configure(SslContextBuilder.forClient()
            .trustManager(new RecordingTrustManager())
            .keyManager(client.cert().toFile(), client.key().toFile())).build())
        .build();
  }
}
