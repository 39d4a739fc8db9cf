package io.ocfs2iscsi.operator.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OperatorSettingsTest {

  private static final List<String> TLS = List.of(
      "--agent-tls-ca=/tls/ca.crt", "--agent-tls-cert=/tls/tls.crt", "--agent-tls-key=/tls/tls.key");

  private static OperatorSettings parse(List<String> args, Map<String, String> env) {
    return OperatorSettings.parse(args, env);
  }

  private static List<String> tlsAnd(String... more) {
    List<String> args = new java.util.ArrayList<>(TLS);
    args.addAll(List.of(more));
    return args;
  }

  @Test
  void defaults() {
    OperatorSettings s = parse(TLS, Map.of());

    assertThat(s.namespace()).isEmpty();
    assertThat(s.identity()).endsWith("-" + ProcessHandle.current().pid());
    assertThat(s.agentPort()).isEqualTo(9443);
    assertThat(s.agentTlsCa()).hasValue(Path.of("/tls/ca.crt"));
    assertThat(s.agentTlsCert()).hasValue(Path.of("/tls/tls.crt"));
    assertThat(s.agentTlsKey()).hasValue(Path.of("/tls/tls.key"));
    assertThat(s.agentTlsNodeIdentityPrefix()).isEqualTo("spiffe://ocfs2iscsi.io/node/");
    assertThat(s.agentInsecure()).isFalse();
    assertThat(s.healthPoll()).isEqualTo(Duration.ofSeconds(15));
    assertThat(s.httpPort()).isEqualTo(8080);
    assertThat(s.leaderElection()).isTrue();
    assertThat(s.serverSideApply()).isTrue();
    assertThat(s.chapSecretNamespaces()).as("empty: the operator's own namespace").isEmpty();
  }

  @Test
  void chapSecretNamespacesFromTheEnvironmentAreCheckedNamespaceNames() {
    assertThat(parse(TLS, Map.of("CHAP_SECRET_NAMESPACES", "ocfs2iscsi-system, tenant-a")).chapSecretNamespaces())
        .containsExactly("ocfs2iscsi-system", "tenant-a");
    assertThatThrownBy(() -> parse(tlsAnd("--chap-secret-namespaces=ocfs2iscsi-system,Kube_System"), Map.of()))
        .hasMessageContaining("--chap-secret-namespaces").hasMessageContaining("'Kube_System'");
  }

  @Test
  void flagsInBothSpellings() {
    OperatorSettings s = parse(tlsAnd("--namespace", "ocfs2iscsi-system", "--identity=op-0", "--agent-port", "19443",
        "--agent-tls-node-identity-prefix=spiffe://ocfs2iscsi.io/ns/storage/node/", "--health-poll-seconds=5",
        "--http-port", "0",
        "--leader-election=false", "--server-side-apply", "no"), Map.of());

    assertThat(s.namespace()).hasValue("ocfs2iscsi-system");
    assertThat(s.identity()).isEqualTo("op-0");
    assertThat(s.agentPort()).isEqualTo(19443);
    assertThat(s.agentTlsNodeIdentityPrefix()).isEqualTo("spiffe://ocfs2iscsi.io/ns/storage/node/");
    assertThat(s.healthPoll()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.httpPort()).isZero();
    assertThat(s.leaderElection()).isFalse();
    assertThat(s.serverSideApply()).isFalse();
  }

  @Test
  void theEnvironmentAsTheChartSetsIt() {
    OperatorSettings s = parse(List.of(), Map.of(
        "OPERATOR_NAMESPACE", "ocfs2iscsi-system", "POD_NAME", "operator-7d9f-abcde", "AGENT_PORT", "9444",
        "AGENT_TLS_CA", "/etc/agent-tls/ca.crt", "AGENT_TLS_CERT", "/etc/agent-tls/tls.crt",
        "AGENT_TLS_KEY", "/etc/agent-tls/tls.key", "HEALTH_POLL_SECONDS", "30", "HTTP_PORT", "9090",
        "LEADER_ELECTION", "true", "SERVER_SIDE_APPLY", "1"));

    assertThat(s.namespace()).hasValue("ocfs2iscsi-system");
    assertThat(s.identity()).isEqualTo("operator-7d9f-abcde");
    assertThat(s.agentPort()).isEqualTo(9444);
    assertThat(s.agentTlsKey()).hasValue(Path.of("/etc/agent-tls/tls.key"));
    assertThat(s.healthPoll()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.httpPort()).isEqualTo(9090);
    assertThat(s.leaderElection()).isTrue();
    assertThat(s.serverSideApply()).isTrue();
  }

  @Test
  void aFlagWinsOverTheEnvironmentAndEmptyEnvironmentIsUnset() {
    OperatorSettings s = parse(tlsAnd("--agent-port=10000"), Map.of("AGENT_PORT", "9444", "POD_NAME", "",
        "OPERATOR_NAMESPACE", ""));

    assertThat(s.agentPort()).isEqualTo(10000);
    assertThat(s.namespace()).isEmpty();
    assertThat(s.identity()).isNotEmpty();
  }

  @Test
  void insecureNeedsNoCertificates() {
    OperatorSettings flag = parse(List.of("--agent-insecure"), Map.of());
    OperatorSettings env = parse(List.of(), Map.of("AGENT_INSECURE", "true"));

    assertThat(flag.agentInsecure()).isTrue();
    assertThat(flag.agentTlsCa()).isEmpty();
    assertThat(env.agentInsecure()).isTrue();
  }

  @Test
  void withoutInsecureEveryTlsFileIsRequired() {
    assertThatThrownBy(() -> parse(List.of("--agent-tls-ca=/ca", "--agent-tls-cert=/cert"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--agent-tls-key").hasMessageContaining("--agent-insecure");
    assertThatThrownBy(() -> parse(List.of("--agent-insecure=false"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mutual TLS");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource({
      "agent-port,          0",
      "agent-port,          65536",
      "agent-port,          nine",
      "health-poll-seconds, 0",
      "health-poll-seconds, 3601",
      "http-port,           -1",
  })
  void aBadNumberNamesTheFlagTheRangeAndTheValue(String flag, String value) {
    assertThatThrownBy(() -> parse(tlsAnd("--" + flag + "=" + value), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--" + flag + " must be an integer from ")
        .hasMessageEndingWith("got '" + value + "'");
  }

  @Test
  void aBadNumberFromTheEnvironmentNamesTheFlagToo() {
    assertThatThrownBy(() -> parse(TLS, Map.of("HTTP_PORT", "eighty")))
        .hasMessage("--http-port must be an integer from 0 to 65535, got 'eighty'");
  }

  @Test
  void aBadBooleanNamesTheFlag() {
    assertThatThrownBy(() -> parse(tlsAnd("--leader-election=maybe"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--leader-election must be true or false, got 'maybe'");
  }

  @Test
  void anUnknownFlagIsNamedAndTheUsageShown() {
    assertThatThrownBy(() -> parse(tlsAnd("--agent-prot=9443"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("unknown flag --agent-prot\n")
        .hasMessageContaining("--agent-port  (env AGENT_PORT:");
  }

  @Test
  void aFlagWithoutItsValueOrAStrayArgumentIsRefused() {
    assertThatThrownBy(() -> parse(tlsAnd("--agent-port"), Map.of())).hasMessage("--agent-port needs a value");
    assertThatThrownBy(() -> parse(tlsAnd("9443"), Map.of())).hasMessage("unexpected argument '9443'");
  }

  @Test
  void theOperatorIssuesNodeCertificatesWithItsCaAndThePluginsServiceAccount() {
    OperatorSettings s = parse(List.of(), Map.of("AGENT_TLS_CA", "/tls/ca.crt", "AGENT_TLS_CERT", "/tls/tls.crt",
        "AGENT_TLS_KEY", "/tls/tls.key", "AGENT_TLS_ISSUER_CERT", "/issuer/tls.crt",
        "AGENT_TLS_ISSUER_KEY", "/issuer/tls.key", "NODE_PLUGIN_SERVICE_ACCOUNT", "storage/ocfs2iscsi-node-plugin"));

    assertThat(s.nodeCertificates()).hasValue(new OperatorSettings.NodeCertificates(Path.of("/issuer/tls.crt"),
        Path.of("/issuer/tls.key"), "storage", "ocfs2iscsi-node-plugin"));
    assertThat(parse(tlsAnd(), Map.of()).nodeCertificates()).isEmpty();
    assertThatThrownBy(() -> parse(tlsAnd("--agent-tls-issuer-cert=/i.crt"), Map.of()))
        .hasMessageContaining("go together");
    assertThatThrownBy(() -> parse(tlsAnd("--agent-tls-issuer-cert=/i.crt", "--agent-tls-issuer-key=/i.key",
            "--node-plugin-service-account=plugin"), Map.of()))
        .hasMessageContaining("NAMESPACE/NAME");
    assertThatThrownBy(() -> parse(tlsAnd("--agent-tls-node-identity-prefix=node-"), Map.of()))
        .hasMessageContaining("--agent-tls-node-identity-prefix must be an absolute URI");
  }

  @Test
  void usageListsEveryFlagWithItsVariable() {
    String usage = OperatorSettings.usage();

    assertThat(OperatorSettings.FLAGS).hasSize(16);
    OperatorSettings.FLAGS.forEach((flag, description) -> assertThat(usage).contains("--" + flag + "  (env "
        + description.substring(0, description.indexOf(':')) + ":"));
  }
}
