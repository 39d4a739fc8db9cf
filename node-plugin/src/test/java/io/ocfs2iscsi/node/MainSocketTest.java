package io.ocfs2iscsi.node;

import static org.assertj.core.api.Assertions.assertThat;

import csi.v1.GetPluginInfoRequest;
import csi.v1.GetPluginInfoResponse;
import csi.v1.IdentityGrpc;
import csi.v1.NodeGetInfoRequest;
import csi.v1.NodeGrpc;
import csi.v1.ProbeRequest;
import csi.v1.ProbeResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.node.testing.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server main (Micronaut context, real CommandRunner, real Netty servers) on a Unix socket in a temp dir,
 * called through that socket as kubelet and the CSI sidecars do.
 */
class MainSocketTest {

  @TempDir Path dir;

  @Test
  void identityAndNodeGetInfoThroughARealUnixSocket() throws Exception {
    Path socket = dir.resolve("csi/csi.sock");
    Files.createDirectories(socket.getParent());
    Files.writeString(socket, "stale socket file of an earlier run");
    PluginConfig config = PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "unix://" + socket, "--state-dir",
            dir.resolve("state").toString(), "--agent-endpoint", "127.0.0.1:0", "--agent-insecure"},
        Map.of());

    try (Main.Started plugin = Main.start(config)) {
      EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .channelType(EpollDomainSocketChannel.class)
          .eventLoopGroup(loop)
          .usePlaintext()
          .build();
      try {
        GetPluginInfoResponse info = IdentityGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .getPluginInfo(GetPluginInfoRequest.getDefaultInstance());
        ProbeResponse probe = IdentityGrpc.newBlockingStub(ch).withDeadlineAfter(60, TimeUnit.SECONDS)
            .probe(ProbeRequest.getDefaultInstance());
        String nodeId = NodeGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId();

        assertThat(info.getName()).isEqualTo(CsiDriver.NAME);
        assertThat(info.getVendorVersion()).isNotBlank();
        // Whether this machine has iscsiadm & co. decides the value; the field must be there.
        assertThat(probe.hasReady()).isTrue();
        assertThat(nodeId).isEqualTo("drbd01");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }

      int agentPort = plugin.servers().get(1).port();
      ManagedChannel agent = NettyChannelBuilder.forAddress("127.0.0.1", agentPort).usePlaintext().build();
      try {
        assertThat(NodeAgentGrpc.newBlockingStub(agent).withDeadlineAfter(60, TimeUnit.SECONDS)
            .getNodeInfo(GetNodeInfoRequest.getDefaultInstance()).getNodeName()).isEqualTo("drbd01");
      } finally {
        agent.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
    assertThat(socket).doesNotExist();
  }

  @Test
  void csiOnTcpStartsOnlyWithTheFlagAndWarnsLoudly() throws Exception {
    PluginConfig config = PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "tcp://127.0.0.1:0", "--csi-insecure-tcp",
            "--state-dir", dir.resolve("state").toString()},
        Map.of());

    try (LogCapture logs = new LogCapture(); Main.Started plugin = Main.start(config)) {
      int port = plugin.servers().get(0).port();
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
      try {
        assertThat(NodeGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS)
            .nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId()).isEqualTo("drbd01");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(logs.lines()).anyMatch(l -> l.contains("WITHOUT authentication") && l.contains("--csi-insecure-tcp"));
    }
  }
}
