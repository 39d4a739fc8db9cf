package io.ocfs2iscsi.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.server.Endpoint;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PluginConfigTest {

  @Test
  void theDaemonSetsFlags() {
    PluginConfig c = PluginConfig.parse(new String[] {
        "--node-id=worker-1", "--csi-endpoint=unix:///csi/csi.sock", "--agent-endpoint=0.0.0.0:9443",
        "--state-dir=/var/lib/ocfs2iscsi", "--host-mode=nsenter", "--agent-tls-ca=/tls/ca.crt",
        "--agent-tls-cert=/tls/tls.crt", "--agent-tls-key=/tls/tls.key",
        "--agent-tls-identity-token=/var/run/secrets/ocfs2iscsi.io/identity/token"}, Map.of());

    assertThat(c.nodeId()).isEqualTo("worker-1");
    assertThat(c.agentTlsIdentityToken()).contains(Path.of("/var/run/secrets/ocfs2iscsi.io/identity/token"));
    assertThat(c.csiEndpoint()).isEqualTo(new Endpoint.Unix(Path.of("/csi/csi.sock")));
    assertThat(c.agentEndpoint()).contains(new Endpoint.Tcp("0.0.0.0", 9443));
    assertThat(c.hostMode()).isEqualTo(HostMode.NSENTER);
    assertThat(c.agentTlsCa()).contains(Path.of("/tls/ca.crt"));
    assertThat(c.agentTlsClientIdentity()).isEqualTo("spiffe://ocfs2iscsi.io/operator");
    assertThat(c.agentInsecure()).isFalse();
  }

  @Test
  void theOperatorsIdentityIsConfigurableAndChecked() {
    String[] base = {"--node-id=worker-1", "--csi-endpoint=unix:///csi/csi.sock", "--agent-endpoint=0.0.0.0:9443",
        "--state-dir=/s", "--agent-tls-ca=/tls/ca.crt", "--agent-tls-cert=/tls/tls.crt", "--agent-tls-key=/tls/k"};

    PluginConfig c = PluginConfig.parse(base,
        Map.of("AGENT_TLS_CLIENT_IDENTITY", "spiffe://ocfs2iscsi.io/ns/storage/operator"));

    assertThat(c.agentTlsClientIdentity()).isEqualTo("spiffe://ocfs2iscsi.io/ns/storage/operator");
    assertThatThrownBy(() -> PluginConfig.parse(base, Map.of("AGENT_TLS_CLIENT_IDENTITY", "operator")))
        .hasMessageContaining("--agent-tls-client-identity must be an absolute URI");
  }

  @Test
  void spaceSeparatedFlagsAndEnvironmentAsInTheGuests() {
    PluginConfig c = PluginConfig.parse(
        new String[] {"--csi-endpoint", "tcp://0.0.0.0:10000", "--csi-insecure-tcp", "--agent-insecure"},
        Map.of("NODE_ID", "node1", "STATE_DIR", "/var/lib/ocfs2iscsi", "AGENT_ENDPOINT", "0.0.0.0:9443",
            "CSI_ENDPOINT", "unix:///ignored.sock"));

    assertThat(c.nodeId()).isEqualTo("node1");
    assertThat(c.csiEndpoint()).isEqualTo(new Endpoint.Tcp("0.0.0.0", 10000));
    assertThat(c.agentInsecure()).isTrue();
    assertThat(c.hostMode()).isEqualTo(HostMode.DIRECT);
  }

  @Test
  void theAgentNeedsTlsOrAnExplicitInsecureFlag() {
    assertThatThrownBy(() -> PluginConfig.parse(new String[] {"--node-id", "n", "--csi-endpoint", "unix:///c.sock",
            "--state-dir", "/s", "--agent-endpoint", "0.0.0.0:9443"}, Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--agent-insecure");
    assertThatThrownBy(() -> PluginConfig.parse(new String[] {"--node-id", "n", "--csi-endpoint", "unix:///c.sock",
            "--state-dir", "/s", "--agent-endpoint", "0.0.0.0:9443", "--agent-insecure", "--agent-tls-ca", "/ca"},
            Map.of()))
        .hasMessageContaining("exclude each other");
  }

  @Test
  void everyProblemIsNamed() {
    assertThatThrownBy(() -> PluginConfig.parse(new String[] {"--host-mode", "chroot", "--csi-endpoint", "unix://x"},
            Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--node-id")
        .hasMessageContaining("--csi-endpoint")
        .hasMessageContaining("--state-dir")
        .hasMessageContaining("--host-mode");
    assertThatThrownBy(() -> PluginConfig.parse(new String[] {"--nodeid", "x"}, Map.of()))
        .hasMessageContaining("unknown flag --nodeid");
  }

  @Test
  void endpoints() {
    assertThat(Endpoint.parse("unix:///csi/csi.sock")).isEqualTo(new Endpoint.Unix(Path.of("/csi/csi.sock")));
    assertThat(Endpoint.parse("tcp://127.0.0.1:10000")).isEqualTo(new Endpoint.Tcp("127.0.0.1", 10000));
    assertThat(Endpoint.parse("[::1]:9443")).isEqualTo(new Endpoint.Tcp("::1", 9443));
    assertThatThrownBy(() -> Endpoint.parse("unix://relative.sock")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Endpoint.parse("tcp://host")).isInstanceOf(IllegalArgumentException.class);
  }

  static final String[] REQUIRED = {"--node-id", "n", "--state-dir", "/s"};

  static PluginConfig parse(String... args) {
    String[] all = new String[REQUIRED.length + args.length];
    System.arraycopy(REQUIRED, 0, all, 0, REQUIRED.length);
    System.arraycopy(args, 0, all, REQUIRED.length, args.length);
    return PluginConfig.parse(all, Map.of());
  }

  @Test
  void csiOverTcpHasNoAuthenticationAndNeedsAnExplicitFlag() {
    assertThatThrownBy(() -> parse("--csi-endpoint", "tcp://0.0.0.0:10000"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without authentication")
        .hasMessageContaining("--csi-insecure-tcp");
    assertThat(parse("--csi-endpoint", "tcp://0.0.0.0:10000", "--csi-insecure-tcp").csiInsecureTcp()).isTrue();
    PluginConfig.parse(new String[] {"--node-id", "n", "--state-dir", "/s", "--csi-endpoint", "tcp://127.0.0.1:1"},
        Map.of("CSI_INSECURE_TCP", "true"));
    parse("--csi-endpoint", "unix:///csi/csi.sock");
  }

  @Test
  void theKubeletDirIsAnAbsoluteDirectoryBelowTheRoot() {
    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock").kubeletDir()).isEqualTo("/var/lib/kubelet");
    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock", "--kubelet-dir", "/data/kubelet/").kubeletDir())
        .isEqualTo("/data/kubelet");
    for (String bad : new String[] {"data/kubelet", "/", "/var/lib/../etc", "/var/lib/kubelet\nx"}) {
      assertThatThrownBy(() -> parse("--csi-endpoint", "unix:///csi/csi.sock", "--kubelet-dir", bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--kubelet-dir");
    }
  }

  @Test
  void registrationIsOffByDefaultAndAdvertisesTheCsiSocketAsKubeletSeesIt() {
    PluginConfig off = parse("--csi-endpoint", "unix:///csi/csi.sock");
    assertThat(off.registrationSocket()).isEmpty();

    PluginConfig on = parse("--csi-endpoint", "unix:///csi/csi.sock", "--kubelet-dir", "/data/kubelet",
        "--registration-socket", "/data/kubelet/plugins_registry/csi.ocfs2iscsi.io-reg.sock");
    assertThat(on.registrationSocket())
        .contains(Path.of("/data/kubelet/plugins_registry/csi.ocfs2iscsi.io-reg.sock"));
    // The CSI socket is /csi/csi.sock in the container; kubelet dials the host path of the same directory.
    assertThat(on.kubeletRegistrationPath())
        .isEqualTo(Path.of("/data/kubelet/plugins/csi.ocfs2iscsi.io/csi.sock"));

    PluginConfig moved = PluginConfig.parse(new String[] {"--node-id", "n", "--state-dir", "/s", "--csi-endpoint",
        "unix:///csi/csi.sock", "--kubelet-registration-path", "/var/lib/kubelet/plugins/other/csi.sock"},
        Map.of("REGISTRATION_SOCKET", "/var/lib/kubelet/plugins_registry/csi.ocfs2iscsi.io-reg.sock"));
    assertThat(moved.registrationSocket()).isPresent();
    assertThat(moved.kubeletRegistrationPath()).isEqualTo(Path.of("/var/lib/kubelet/plugins/other/csi.sock"));
  }

  @Test
  void theRegistrationSocketMustLieInKubeletsPluginsRegistry() {
    for (String bad : new String[] {"relative/reg.sock", "/tmp/csi.ocfs2iscsi.io-reg.sock",
        "/var/lib/kubelet/csi.ocfs2iscsi.io-reg.sock", "/var/lib/kubelet/plugins_registry",
        "/var/lib/kubelet/plugins_registry/../pods/reg.sock", "/var/lib/kubelet/plugins_registry//reg.sock",
        "/var/lib/kubelet/plugins_registry/reg\nx.sock"}) {
      assertThatThrownBy(() -> parse("--csi-endpoint", "unix:///csi/csi.sock", "--registration-socket", bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--registration-socket must be an absolute, normalized path below"
              + " /var/lib/kubelet/plugins_registry/");
    }
    assertThatThrownBy(() -> parse("--csi-endpoint", "unix:///csi/csi.sock", "--registration-socket",
            "/var/lib/kubelet/plugins_registry/r.sock", "--kubelet-registration-path", "plugins/x/csi.sock"))
        .hasMessageContaining("--kubelet-registration-path must be an absolute, normalized path");
  }

  @Test
  void healthzIsOffByDefaultAndServedOnTheGivenHostAndPort() {
    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock").healthzEndpoint()).isEmpty();

    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock", "--healthz-endpoint=0.0.0.0:9808").healthzEndpoint())
        .contains(new Endpoint.Tcp("0.0.0.0", 9808));
    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock", "--healthz-endpoint", "[::1]:65535")
        .healthzEndpoint()).contains(new Endpoint.Tcp("::1", 65535));
    assertThat(PluginConfig.parse(new String[] {"--node-id", "n", "--state-dir", "/s", "--csi-endpoint",
        "unix:///csi/csi.sock"}, Map.of("HEALTHZ_ENDPOINT", "localhost:1")).healthzEndpoint())
        .contains(new Endpoint.Tcp("localhost", 1));
    assertThat(PluginConfig.usage()).contains("--healthz-endpoint");
  }

  @Test
  void aHealthzEndpointThatIsNoHostAndPortIsRefusedNamingTheFlag() {
    for (String bad : new String[] {"9808", ":9808", "0.0.0.0:", "0.0.0.0:0", "0.0.0.0:65536", "0.0.0.0:-1",
        "0.0.0.0:98o8", "unix:///csi/healthz.sock", "tcp://0.0.0.0:9808", "http://0.0.0.0:9808/healthz",
        "0.0.0.0:9808/healthz", "::1:9808", "0.0.0.0 :9808", "256.0.0.1:9808", ""}) {
      assertThatThrownBy(() -> parse("--csi-endpoint", "unix:///csi/csi.sock", "--healthz-endpoint=" + bad))
          .as("'%s'", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("--healthz-endpoint must be HOST:PORT")
          .hasMessageContaining("PORT is 1-65535")
          .hasMessageContaining("got '" + bad + "'");
    }
  }

  @Test
  void metricsAreOffByDefaultAndServedOnTheGivenHostAndPort() {
    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock").metricsEndpoint()).isEmpty();

    assertThat(parse("--csi-endpoint", "unix:///csi/csi.sock", "--metrics-endpoint=0.0.0.0:9809").metricsEndpoint())
        .contains(new Endpoint.Tcp("0.0.0.0", 9809));
    assertThat(PluginConfig.parse(new String[] {"--node-id", "n", "--state-dir", "/s", "--csi-endpoint",
        "unix:///csi/csi.sock"}, Map.of("METRICS_ENDPOINT", "[::1]:1")).metricsEndpoint())
        .contains(new Endpoint.Tcp("::1", 1));
    assertThat(PluginConfig.usage()).contains("--metrics-endpoint");
    for (String bad : new String[] {"9809", "0.0.0.0:0", "http://0.0.0.0:9809/metrics", "0.0.0.0:9809/metrics", ""}) {
      assertThatThrownBy(() -> parse("--csi-endpoint", "unix:///csi/csi.sock", "--metrics-endpoint=" + bad))
          .as("'%s'", bad)
          .hasMessageContaining("--metrics-endpoint must be HOST:PORT")
          .hasMessageContaining("got '" + bad + "'");
    }
  }
}
