package io.ocfs2iscsi.operator.run;

import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Settings of {@code operator.jar run}, from flags ({@code --name=value} or {@code --name value}) or environment
 * variables (the chart sets the environment); a flag wins.
 */
public record OperatorSettings(
    Optional<String> namespace,
    String identity,
    int agentPort,
    Optional<Path> agentTlsCa,
    Optional<Path> agentTlsCert,
    Optional<Path> agentTlsKey,
    String agentTlsNodeIdentityPrefix,
    Optional<NodeCertificates> nodeCertificates,
    boolean agentInsecure,
    Duration healthPoll,
    int httpPort,
    boolean leaderElection,
    boolean serverSideApply,
    List<String> chapSecretNamespaces) {

  /**
   * The operator issues each node agent's certificate: signed with this CA, for nodes that prove to be a pod of the
   * node plugin's service account.
   */
  public record NodeCertificates(Path issuerCert, Path issuerKey, String pluginNamespace, String pluginServiceAccount) {}

  /** Flag, its environment variable, and its meaning (the usage text). */
  public static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("namespace", "OPERATOR_NAMESPACE: namespace of the leader and format Leases (default: kubeconfig's)");
    FLAGS.put("identity", "POD_NAME: this instance's name in Leases (default: hostname-pid)");
    FLAGS.put("agent-port", "AGENT_PORT: TCP port of the node agents (default 9443)");
    FLAGS.put("agent-tls-ca", "AGENT_TLS_CA: PEM CA that signed the node agents' certificate");
    FLAGS.put("agent-tls-cert", "AGENT_TLS_CERT: PEM client certificate of the operator");
    FLAGS.put("agent-tls-key", "AGENT_TLS_KEY: PEM (PKCS#8) key of the client certificate");
    FLAGS.put("agent-tls-node-identity-prefix", "AGENT_TLS_NODE_IDENTITY_PREFIX: a node agent's certificate must name"
        + " this URI followed by its Node name (default " + AgentIdentities.NODE_PREFIX + ")");
    FLAGS.put("agent-tls-issuer-cert", "AGENT_TLS_ISSUER_CERT: PEM CA certificate that signs each node agent's own"
        + " certificate (with the next two flags the operator issues them)");
    FLAGS.put("agent-tls-issuer-key", "AGENT_TLS_ISSUER_KEY: PEM (PKCS#8) key of that CA");
    FLAGS.put("node-plugin-service-account", "NODE_PLUGIN_SERVICE_ACCOUNT: NAMESPACE/NAME of the node plugin's"
        + " service account, whose pods' tokens prove which node asks for a certificate");
    FLAGS.put("agent-insecure", "AGENT_INSECURE: true: call the agents without TLS (local tests only)");
    FLAGS.put("health-poll-seconds", "HEALTH_POLL_SECONDS: interval of volume health polls (default 15)");
    FLAGS.put("http-port", "HTTP_PORT: port of /healthz, /readyz and /metrics (default 8080; 0: off)");
    FLAGS.put("leader-election", "LEADER_ELECTION: false: reconcile without a leader Lease (default true)");
    FLAGS.put("server-side-apply", "SERVER_SIDE_APPLY: false: plain create/patch (default true)");
    FLAGS.put("chap-secret-namespaces", "CHAP_SECRET_NAMESPACES: comma-separated namespaces where volumes' CHAP"
        + " Secrets may live (default: --namespace)");
  }

  public static OperatorSettings parse(List<String> args, Map<String, String> env) {
    Map<String, String> v = new LinkedHashMap<>();
    for (String flag : FLAGS.keySet()) {
      String e = env.get(FLAGS.get(flag).substring(0, FLAGS.get(flag).indexOf(':')));
      if (e != null && !e.isEmpty()) {
        v.put(flag, e);
      }
    }
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (name.equals("agent-insecure")) {
        value = "true";
      } else if (i + 1 < args.size()) {
        value = args.get(++i);
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      if (!FLAGS.containsKey(name)) {
        throw new IllegalArgumentException("unknown flag --" + name + "\n" + usage());
      }
      v.put(name, value);
    }
    boolean insecure = bool(v, "agent-insecure", false);
    Optional<Path> ca = Optional.ofNullable(v.get("agent-tls-ca")).map(Path::of);
    Optional<Path> cert = Optional.ofNullable(v.get("agent-tls-cert")).map(Path::of);
    Optional<Path> key = Optional.ofNullable(v.get("agent-tls-key")).map(Path::of);
    if (!insecure && (ca.isEmpty() || cert.isEmpty() || key.isEmpty())) {
      throw new IllegalArgumentException("--agent-tls-ca, --agent-tls-cert and --agent-tls-key are required (mutual"
          + " TLS with the node agents); --agent-insecure only for local tests");
    }
    String nodeIdentityPrefix = v.getOrDefault("agent-tls-node-identity-prefix", AgentIdentities.NODE_PREFIX);
    AgentIdentities.problem(nodeIdentityPrefix + "node").ifPresent(p -> {
      throw new IllegalArgumentException("--agent-tls-node-identity-prefix " + p);
    });
    Optional<NodeCertificates> nodeCertificates = nodeCertificates(v);
    return new OperatorSettings(
        Optional.ofNullable(v.get("namespace")),
        v.getOrDefault("identity", defaultIdentity()),
        integer(v, "agent-port", 9443, 1, 65535),
        ca, cert, key,
        nodeIdentityPrefix,
        nodeCertificates,
        insecure,
        Duration.ofSeconds(integer(v, "health-poll-seconds", 15, 1, 3600)),
        integer(v, "http-port", 8080, 0, 65535),
        bool(v, "leader-election", true),
        bool(v, "server-side-apply", true),
        namespaces(v, "chap-secret-namespaces"));
  }

  private static Optional<NodeCertificates> nodeCertificates(Map<String, String> v) {
    List<String> flags = List.of("agent-tls-issuer-cert", "agent-tls-issuer-key", "node-plugin-service-account");
    long given = flags.stream().filter(v::containsKey).count();
    if (given == 0) {
      return Optional.empty();
    }
    if (given < flags.size()) {
      throw new IllegalArgumentException("--agent-tls-issuer-cert, --agent-tls-issuer-key and"
          + " --node-plugin-service-account go together (the operator issues the nodes' certificates)");
    }
    String[] account = v.get("node-plugin-service-account").split("/", -1);
    if (account.length != 2 || account[0].isEmpty() || account[1].isEmpty()) {
      throw new IllegalArgumentException("--node-plugin-service-account must be NAMESPACE/NAME, got '"
          + v.get("node-plugin-service-account") + "'");
    }
    return Optional.of(new NodeCertificates(Path.of(v.get("agent-tls-issuer-cert")),
        Path.of(v.get("agent-tls-issuer-key")), account[0], account[1]));
  }

  public static String usage() {
    StringBuilder s = new StringBuilder("usage: operator.jar run [--flag=value ...]\n");
    FLAGS.forEach((k, d) -> s.append("  --").append(k).append("  (env ").append(d).append(")\n"));
    return s.toString();
  }

  private static int integer(Map<String, String> v, String flag, int dflt, int min, int max) {
    String s = v.get(flag);
    if (s == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(s.trim());
      if (n < min || n > max) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + flag + " must be an integer from " + min + " to " + max + ", got '"
          + s + "'");
    }
  }

  private static List<String> namespaces(Map<String, String> v, String flag) {
    String s = v.get(flag);
    if (s == null || s.isBlank()) {
      return List.of();
    }
    List<String> out = new java.util.ArrayList<>();
    for (String part : s.split(",")) {
      String ns = part.trim();
      if (!ValueRules.matches(ValueRules.DNS_LABEL, ns)) {
        throw new IllegalArgumentException("--" + flag + " must list namespaces separated by commas, each "
            + ValueRules.DNS_LABEL_RULE + ", got '" + ns + "'");
      }
      out.add(ns);
    }
    return List.copyOf(out);
  }

  private static boolean bool(Map<String, String> v, String flag, boolean dflt) {
    String s = v.get(flag);
    if (s == null) {
      return dflt;
    }
    return switch (s.trim().toLowerCase()) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new IllegalArgumentException("--" + flag + " must be true or false, got '" + s + "'");
    };
  }

  private static String defaultIdentity() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      host = "operator";
    }
    return host + "-" + ProcessHandle.current().pid();
  }
}
