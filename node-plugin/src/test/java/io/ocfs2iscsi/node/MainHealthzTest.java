package io.ocfs2iscsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.info.KubeletRegistration;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real server main with --healthz-endpoint, asked over HTTP as kubelet's probes ask: /healthz follows the CSI
 * Probe of the running plugin, and goes away with it.
 */
class MainHealthzTest {

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private HttpResponse<String> get(int port) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthzFollowsTheRunningPluginsProbeAndStopsWithIt() throws Exception {
    int port = freePort();
    PluginConfig config = PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "unix://" + dir.resolve("csi/csi.sock"),
            "--state-dir", dir.resolve("state").toString(), "--healthz-endpoint", "127.0.0.1:" + port},
        Map.of());

    try (Main.Started plugin = Main.start(config)) {
      assertThat(plugin.healthz()).isPresent();
      // Whether this machine has iscsiadm & co. decides the first answer; it must be one of the two.
      assertThat(get(port).statusCode()).isIn(200, 500);

      plugin.context().getBean(KubeletRegistration.class).refused("name already registered");
      HttpResponse<String> refused = get(port);

      assertThat(refused.statusCode()).isEqualTo(500);
      assertThat(refused.body()).contains("is not ready");
    }
    assertThatThrownBy(() -> get(port)).isInstanceOf(ConnectException.class);
  }

  @Test
  void withoutTheFlagNoHealthzIsServed() throws Exception {
    PluginConfig config = PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "unix://" + dir.resolve("csi/csi.sock"),
            "--state-dir", dir.resolve("state").toString()},
        Map.of());

    try (Main.Started plugin = Main.start(config)) {
      assertThat(plugin.healthz()).isEmpty();
    }
  }

  @Test
  void metricsOfTheRunningPluginAreServedWithTheFlag() throws Exception {
    int port = freePort();
    PluginConfig config = PluginConfig.parse(
        new String[] {"--node-id", "drbd01", "--csi-endpoint", "unix://" + dir.resolve("csi/csi.sock"),
            "--state-dir", dir.resolve("state").toString(), "--metrics-endpoint", "127.0.0.1:" + port},
        Map.of());

    try (Main.Started plugin = Main.start(config)) {
      assertThat(plugin.metrics()).isPresent();
      HttpResponse<String> metrics = client.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).contains("# TYPE ocfs2iscsi_node_path_up gauge")
          .contains("# TYPE ocfs2iscsi_node_operation_duration_seconds histogram");
    }
  }
}
