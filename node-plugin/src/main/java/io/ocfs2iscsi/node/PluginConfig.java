package io.ocfs2iscsi.node;

import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.server.Endpoint;
import io.ocfs2iscsi.node.volume.KubeletPaths;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The plugin's settings, from flags ({@code --name value} or {@code --name=value}) or environment variables
 * (NAME_IN_CAPS with '_' for '-'); a flag wins over the environment.
 *
 * @param agentEndpoint empty: no node agent (a CSI-only run)
 * @param csiInsecureTcp CSI may be served on TCP, which has no authentication (local tests only)
 * @param kubeletDir kubelet's directory on the host: staging and publish paths must lie below it
 * @param registrationSocket empty: no plugin registration with kubelet (the node-driver-registrar sidecar's job)
 * @param kubeletRegistrationPath the CSI socket's path as kubelet sees it on the host (it differs from
 *     csiEndpoint's path in a container)
 * @param healthzEndpoint empty: no /healthz (the livenessprobe sidecar's job)
 * @param metricsEndpoint empty: no /metrics
 */
public record PluginConfig(
    String nodeId,
    Endpoint csiEndpoint,
    Optional<Endpoint> agentEndpoint,
    Path stateDir,
    Optional<Path> agentTlsCert,
    Optional<Path> agentTlsKey,
    Optional<Path> agentTlsCa,
    String agentTlsClientIdentity,
    Optional<Path> agentTlsIdentityToken,
    boolean agentInsecure,
    HostMode hostMode,
    String o2cbAddress,
    boolean csiInsecureTcp,
    String kubeletDir,
    Optional<Path> registrationSocket,
    Path kubeletRegistrationPath,
    Optional<Endpoint.Tcp> healthzEndpoint,
    Optional<Endpoint.Tcp> metricsEndpoint) {

  /** Where kubelet's plugin watcher looks for registration sockets, below the kubelet dir. */
  public static final String PLUGINS_REGISTRY = "plugins_registry";

  /** Every flag, with its environment variable and meaning (the --help text and README table). */
  public static final Map<String, String> FLAGS = new LinkedHashMap<>();

  static {
    FLAGS.put("node-id", "NODE_ID: this node's name (the Kubernetes Node name); required");
    FLAGS.put("csi-endpoint", "CSI_ENDPOINT: unix:///csi/csi.sock or tcp://HOST:PORT; required");
    FLAGS.put("agent-endpoint", "AGENT_ENDPOINT: HOST:PORT of the node agent (e.g. 0.0.0.0:9443); none: no agent");
    FLAGS.put("state-dir", "STATE_DIR: directory for the plugin's state (a host directory); required");
    FLAGS.put("agent-tls-cert", "AGENT_TLS_CERT: PEM server certificate of the agent");
    FLAGS.put("agent-tls-key", "AGENT_TLS_KEY: PEM private key (PKCS#8) of the agent");
    FLAGS.put("agent-tls-ca", "AGENT_TLS_CA: PEM CA that signs the clients (the operator) allowed to call the agent");
    FLAGS.put("agent-tls-client-identity", "AGENT_TLS_CLIENT_IDENTITY: URI the caller's certificate must name (the"
        + " operator's; default " + AgentIdentities.OPERATOR + ")");
    FLAGS.put("agent-tls-identity-token", "AGENT_TLS_IDENTITY_TOKEN: the pod's projected service account token: the"
        + " plugin makes its own key at --agent-tls-key and the operator issues --agent-tls-cert for it");
    FLAGS.put("agent-insecure", "AGENT_INSECURE: true: the agent without TLS (local tests only; logs a warning)");
    FLAGS.put("host-mode", "HOST_MODE: direct (default) or nsenter (DaemonSet with hostPID)");
    FLAGS.put("o2cb-address", "O2CB_ADDRESS: the address GetNodeInfo reports for o2cb when no CIDR is asked");
    FLAGS.put("csi-insecure-tcp", "CSI_INSECURE_TCP: true: allow CSI on a tcp:// endpoint, which has no"
        + " authentication (local tests only; logs a warning)");
    FLAGS.put("kubelet-dir", "KUBELET_DIR: kubelet's directory on the host (default " + KubeletPaths.DEFAULT_DIR
        + "); the plugin mounts and unmounts only below it");
    FLAGS.put("registration-socket", "REGISTRATION_SOCKET: serve kubelet's plugin registration on this Unix socket"
        + " in KUBELET_DIR/" + PLUGINS_REGISTRY + "/ (e.g. " + KubeletPaths.DEFAULT_DIR + "/" + PLUGINS_REGISTRY + "/"
        + CsiDriver.NAME + "-reg.sock), instead of the node-driver-registrar sidecar; none:"
        + " no registration");
    FLAGS.put("kubelet-registration-path", "KUBELET_REGISTRATION_PATH: the CSI socket as kubelet sees it on the host"
        + " (default KUBELET_DIR/plugins/" + CsiDriver.NAME + "/csi.sock)");
    FLAGS.put("healthz-endpoint", "HEALTHZ_ENDPOINT: HOST:PORT where GET /healthz answers 200 when the plugin's CSI"
        + " Probe says ready, 500 with the reason otherwise, for kubelet's liveness and readiness probes (e.g."
        + " 0.0.0.0:9808), instead of the livenessprobe sidecar; none: no /healthz");
    FLAGS.put("metrics-endpoint", "METRICS_ENDPOINT: HOST:PORT where GET /metrics answers Prometheus metrics (paths,"
        + " sessions, queueing, durations, host command failures; e.g. 0.0.0.0:9809); none: no /metrics");
  }

  /** Flags that may stand alone, meaning true. */
  private static final Set<String> SWITCHES = Set.of("agent-insecure", "csi-insecure-tcp");

  public static PluginConfig parse(String[] args, Map<String, String> env) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String flag : FLAGS.keySet()) {
      String e = env.get(flag.toUpperCase().replace('-', '_'));
      if (e != null && !e.isEmpty()) {
        values.put(flag, e);
      }
    }
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--")) {
        throw new IllegalArgumentException("unexpected argument '" + a + "'");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else if (SWITCHES.contains(name)) {
        value = "true";
      } else if (i + 1 < args.length) {
        value = args[++i];
      } else {
        throw new IllegalArgumentException("--" + name + " needs a value");
      }
      if (!FLAGS.containsKey(name)) {
        throw new IllegalArgumentException("unknown flag --" + name);
      }
      values.put(name, value);
    }
    List<String> problems = new ArrayList<>();
    String nodeId = values.getOrDefault("node-id", "");
    if (!ValueRules.matches(ValueRules.DNS_SUBDOMAIN, nodeId)) {
      problems.add("--node-id must be a Kubernetes node name (" + ValueRules.DNS_SUBDOMAIN_RULE + ")");
    }
    Endpoint csi = null;
    try {
      csi = Endpoint.parse(values.getOrDefault("csi-endpoint", ""));
    } catch (IllegalArgumentException e) {
      problems.add("--csi-endpoint: " + e.getMessage());
    }
    Optional<Endpoint> agent = Optional.empty();
    if (values.containsKey("agent-endpoint")) {
      try {
        Endpoint ep = Endpoint.parse(values.get("agent-endpoint"));
        if (ep instanceof Endpoint.Unix) {
          problems.add("--agent-endpoint must be TCP (HOST:PORT): the operator calls it over the network");
        }
        agent = Optional.of(ep);
      } catch (IllegalArgumentException e) {
        problems.add("--agent-endpoint: " + e.getMessage());
      }
    }
    if (!values.containsKey("state-dir")) {
      problems.add("--state-dir is required");
    }
    boolean insecure = Boolean.parseBoolean(values.getOrDefault("agent-insecure", "false"));
    Optional<Path> cert = Optional.ofNullable(values.get("agent-tls-cert")).map(Path::of);
    Optional<Path> key = Optional.ofNullable(values.get("agent-tls-key")).map(Path::of);
    Optional<Path> ca = Optional.ofNullable(values.get("agent-tls-ca")).map(Path::of);
    Optional<Path> token = Optional.ofNullable(values.get("agent-tls-identity-token")).map(Path::of);
    boolean anyTls = cert.isPresent() || key.isPresent() || ca.isPresent() || token.isPresent();
    if (agent.isPresent()) {
      if (insecure && anyTls) {
        problems.add("--agent-insecure and --agent-tls-* exclude each other");
      } else if (!insecure && (cert.isEmpty() || key.isEmpty() || ca.isEmpty())) {
        problems.add("the agent needs --agent-tls-cert, --agent-tls-key and --agent-tls-ca (mutual TLS), or"
            + " --agent-insecure for local tests");
      }
    }
    String clientIdentity = values.getOrDefault("agent-tls-client-identity", AgentIdentities.OPERATOR);
    AgentIdentities.problem(clientIdentity)
        .ifPresent(p -> problems.add("--agent-tls-client-identity " + p));
    HostMode mode = HostMode.DIRECT;
    try {
      mode = HostMode.parse(values.getOrDefault("host-mode", "direct"));
    } catch (IllegalArgumentException e) {
      problems.add("--host-mode: " + e.getMessage());
    }
    String o2cbAddress = values.getOrDefault("o2cb-address", "");
    if (!o2cbAddress.isEmpty() && !ValueRules.matches(ValueRules.IPV4_ADDRESS, o2cbAddress)) {
      problems.add("--o2cb-address must be " + ValueRules.IPV4_ADDRESS_RULE);
    }
    boolean csiInsecureTcp = Boolean.parseBoolean(values.getOrDefault("csi-insecure-tcp", "false"));
    if (csi instanceof Endpoint.Tcp && !csiInsecureTcp) {
      problems.add("--csi-endpoint " + csi + ": CSI on TCP is served without authentication (whoever reaches the"
          + " port can stage, mount and unmount volumes on this node); kubelet uses a Unix socket"
          + " (unix:///csi/csi.sock); for local tests add --csi-insecure-tcp");
    }
    String kubeletDir = values.getOrDefault("kubelet-dir", KubeletPaths.DEFAULT_DIR);
    if (!isNormalizedAbsolute(kubeletDir)) {
      problems.add("--kubelet-dir must be an absolute, normalized directory other than / (no '.', '..', empty"
          + " components or control characters), got '" + kubeletDir + "'");
    }
    String kubelet = kubeletDir.length() > 1 && kubeletDir.endsWith("/")
        ? kubeletDir.substring(0, kubeletDir.length() - 1) : kubeletDir;
    String registry = kubelet + "/" + PLUGINS_REGISTRY + "/";
    String socket = values.get("registration-socket");
    if (socket != null && (!isNormalizedAbsolute(socket) || socket.endsWith("/") || !socket.startsWith(registry)
        || socket.length() == registry.length())) {
      problems.add("--registration-socket must be an absolute, normalized path below " + registry
          + " (where kubelet's plugin watcher looks), got '" + socket + "'");
    }
    String csiOnHost = values.getOrDefault("kubelet-registration-path",
        kubelet + "/plugins/" + CsiDriver.NAME + "/csi.sock");
    if (!isNormalizedAbsolute(csiOnHost) || csiOnHost.endsWith("/")) {
      problems.add("--kubelet-registration-path must be an absolute, normalized path (the CSI socket on the host),"
          + " got '" + csiOnHost + "'");
    }
    String healthz = values.get("healthz-endpoint");
    Optional<Endpoint.Tcp> healthzEndpoint = Optional.empty();
    if (healthz != null) {
      if (ValueRules.matches(ValueRules.PORTAL, healthz)) {
        healthzEndpoint = Optional.of((Endpoint.Tcp) Endpoint.parse(healthz));
      } else {
        problems.add("--healthz-endpoint must be HOST:PORT, where HOST is an IPv4 address, [IPv6] or a DNS name and"
            + " PORT is 1-65535 (e.g. 0.0.0.0:9808), got '" + healthz + "'");
      }
    }
    Optional<Endpoint.Tcp> metricsEndpoint = tcpEndpoint(values, "metrics-endpoint", "0.0.0.0:9809", problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("\n", problems));
    }
    return new PluginConfig(
        nodeId, csi, agent, Path.of(values.get("state-dir")), cert, key, ca, clientIdentity, token, insecure, mode,
        o2cbAddress, csiInsecureTcp, kubelet, Optional.ofNullable(socket).map(Path::of), Path.of(csiOnHost),
        healthzEndpoint, metricsEndpoint);
  }

  private static Optional<Endpoint.Tcp> tcpEndpoint(
      Map<String, String> values, String flag, String example, List<String> problems) {
    String value = values.get(flag);
    if (value == null) {
      return Optional.empty();
    }
    if (ValueRules.matches(ValueRules.PORTAL, value)) {
      return Optional.of((Endpoint.Tcp) Endpoint.parse(value));
    }
    problems.add("--" + flag + " must be HOST:PORT, where HOST is an IPv4 address, [IPv6] or a DNS name and PORT is"
        + " 1-65535 (e.g. " + example + "), got '" + value + "'");
    return Optional.empty();
  }

  /** Absolute, other than /, without '.', '..' or empty components or control characters; a trailing / allowed. */
  private static boolean isNormalizedAbsolute(String path) {
    String dir = path;
    if (!dir.startsWith("/") || dir.length() == 1 || dir.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return false;
    }
    String inner = dir.endsWith("/") ? dir.substring(1, dir.length() - 1) : dir.substring(1);
    if (inner.isEmpty()) {
      return false;
    }
    for (String part : inner.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        return false;
      }
    }
    return true;
  }

  public static String usage() {
    StringBuilder sb = new StringBuilder("usage: java -jar node-plugin.jar --node-id NAME --csi-endpoint URL"
        + " --state-dir DIR [--agent-endpoint HOST:PORT (--agent-tls-cert F --agent-tls-key F --agent-tls-ca F"
        + " [--agent-tls-identity-token F] [--agent-tls-client-identity URI] | --agent-insecure)]"
        + " [--host-mode direct|nsenter] [--kubelet-dir DIR] [--registration-socket PATH"
        + " [--kubelet-registration-path PATH]] [--healthz-endpoint HOST:PORT]"
        + " [--metrics-endpoint HOST:PORT]\n");
    FLAGS.forEach((k, v) -> sb.append("  --").append(k).append("  ").append(v).append('\n'));
    return sb.toString();
  }
}
