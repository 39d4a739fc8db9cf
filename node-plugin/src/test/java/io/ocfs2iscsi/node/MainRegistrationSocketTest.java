package io.ocfs2iscsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.node.info.KubeletRegistration;
import io.ocfs2iscsi.node.testing.LogCapture;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pluginregistration.v1.InfoRequest;
import pluginregistration.v1.PluginInfo;
import pluginregistration.v1.RegistrationGrpc;
import pluginregistration.v1.RegistrationStatus;

/**
 * The real server main with --registration-socket, called through that Unix socket the way kubelet's plugin
 * watcher does: GetInfo, then NotifyRegistrationStatus with kubelet's verdict.
 */
class MainRegistrationSocketTest {

  @TempDir Path dir;

  private PluginConfig config(Path kubeletDir, Path registrationSocket) {
    return PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "unix://" + dir.resolve("csi/csi.sock"),
            "--state-dir", dir.resolve("state").toString(), "--kubelet-dir", kubeletDir.toString(),
            "--registration-socket", registrationSocket.toString()},
        Map.of());
  }

  /** A socket file as a killed plugin leaves it: bound once, never unlinked. */
  private static void leaveStaleSocket(Path path) throws Exception {
    try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(path));
    }
  }

  @Test
  void kubeletsPluginWatcherRegistersTheDriverThroughTheSocket() throws Exception {
    Path kubeletDir = dir.resolve("kubelet");
    Path socket = kubeletDir.resolve("plugins_registry/csi.ocfs2iscsi.io-reg.sock");
    Files.createDirectories(socket.getParent());
    leaveStaleSocket(socket);

    try (LogCapture logs = new LogCapture(); Main.Started plugin = Main.start(config(kubeletDir, socket))) {
      EventLoopGroup loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      ManagedChannel ch = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
          .channelType(EpollDomainSocketChannel.class)
          .eventLoopGroup(loop)
          .usePlaintext()
          .build();
      try {
        RegistrationGrpc.RegistrationBlockingStub kubelet =
            RegistrationGrpc.newBlockingStub(ch).withDeadlineAfter(30, TimeUnit.SECONDS);
        PluginInfo info = kubelet.getInfo(InfoRequest.getDefaultInstance());

        assertThat(info.getType()).isEqualTo("CSIPlugin");
        assertThat(info.getName()).isEqualTo(CsiDriver.NAME);
        assertThat(info.getEndpoint())
            .isEqualTo(kubeletDir.resolve("plugins/csi.ocfs2iscsi.io/csi.sock").toString());
        assertThat(info.getSupportedVersionsList()).containsExactly("1.0.0");

        KubeletRegistration registration = plugin.context().getBean(KubeletRegistration.class);
        kubelet.notifyRegistrationStatus(RegistrationStatus.newBuilder().setPluginRegistered(false)
            .setError("plugin registration failed: GetInfo version 1.0.0 not supported").build());
        assertThat(registration.failure()).contains("plugin registration failed: GetInfo version 1.0.0 not supported");
        assertThat(logs.at(Level.ERROR))
            .anyMatch(l -> l.contains("kubelet refused") && l.contains("GetInfo version 1.0.0 not supported"));

        kubelet.notifyRegistrationStatus(RegistrationStatus.newBuilder().setPluginRegistered(true).build());
        assertThat(registration.failure()).isEmpty();
        assertThat(logs.at(Level.INFO)).anyMatch(l -> l.contains("kubelet registered " + CsiDriver.NAME));
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      }
    }
    // kubelet deregisters the driver when the socket goes.
    assertThat(socket).doesNotExist();
  }

  @Test
  void aFileThatIsNoSocketIsLeftAloneAndNamed() throws Exception {
    Path kubeletDir = dir.resolve("kubelet");
    Path socket = kubeletDir.resolve("plugins_registry/csi.ocfs2iscsi.io-reg.sock");
    Files.createDirectories(socket.getParent());
    Files.writeString(socket, "not ours");

    assertThatThrownBy(() -> Main.start(config(kubeletDir, socket)).close())
        .hasMessageContaining(socket.toString())
        .hasMessageContaining("not a socket");
    assertThat(socket).hasContent("not ours");
    // The CSI server started before it is closed again.
    assertThat(dir.resolve("csi/csi.sock")).doesNotExist();
  }

  @Test
  void withoutTheFlagNoRegistrationSocketIsServed() throws Exception {
    PluginConfig config = PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "unix://" + dir.resolve("csi/csi.sock"),
            "--state-dir", dir.resolve("state").toString(), "--kubelet-dir", dir.resolve("kubelet").toString()},
        Map.of());

    try (Main.Started plugin = Main.start(config)) {
      assertThat(plugin.servers()).hasSize(1);
      assertThat(dir.resolve("kubelet/plugins_registry")).doesNotExist();
    }
  }
}
