package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.contract.ValueRules;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * /etc/corosync/corosync.conf for the user stack: knet (unicast to each member's address), one node stanza per
 * member in node id order, votequorum with two_node exactly when there are two members (it implies wait_for_all: a
 * lone node is not quorate until it has seen the other once). corosync finds the local node by its host name or
 * address in the nodelist. With {@code authenticated}, knet encrypts (aes256) and authenticates (sha256) every packet
 * with /etc/corosync/authkey, so a host without the key can neither read nor join the membership. Every value is
 * checked here, so no instance can render a broken or injected file.
 */
public record CorosyncConf(String clusterName, List<Node> nodes, int tokenMs, boolean authenticated) {

  public static final String PATH = "/etc/corosync/corosync.conf";
  public static final String AUTHKEY_PATH = "/etc/corosync/authkey";

  /** One member: corosync's nodeid (o2cb number + 1), its name (the host name) and its ring0 address. */
  public record Node(int nodeId, String name, String address) {}

  public CorosyncConf {
    List<String> problems = problems(clusterName, nodes, tokenMs);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException("corosync.conf: " + String.join("; ", problems));
    }
    nodes = nodes.stream().sorted(Comparator.comparingInt(Node::nodeId)).toList();
  }

  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Written by the ocfs2-iscsi node plugin from Ocfs2Cluster ").append(clusterName)
        .append("; changes here are overwritten.\n")
        .append("totem {\n")
        .append("    version: 2\n")
        .append("    cluster_name: ").append(clusterName).append('\n')
        .append("    transport: knet\n")
        .append("    crypto_cipher: ").append(authenticated ? "aes256" : "none").append('\n')
        .append("    crypto_hash: ").append(authenticated ? "sha256" : "none").append('\n');
    if (tokenMs != 0) {
      sb.append("    token: ").append(tokenMs).append('\n');
    }
    sb.append("}\n\nnodelist {\n");
    for (Node n : nodes) {
      sb.append("    node {\n")
          .append("        nodeid: ").append(n.nodeId()).append('\n')
          .append("        name: ").append(n.name()).append('\n')
          .append("        ring0_addr: ").append(n.address()).append('\n')
          .append("    }\n");
    }
    sb.append("}\n\nquorum {\n")
        .append("    provider: corosync_votequorum\n");
    if (nodes.size() == 2) {
      sb.append("    two_node: 1\n");
    }
    sb.append("}\n\nlogging {\n")
        .append("    to_stderr: yes\n")
        .append("    to_logfile: no\n")
        .append("    to_syslog: yes\n")
        .append("    timestamp: on\n")
        .append("}\n");
    return sb.toString();
  }

  private static List<String> problems(String clusterName, List<Node> nodes, int tokenMs) {
    List<String> out = new ArrayList<>();
    if (!ValueRules.matches(ValueRules.CLUSTER_NAME, clusterName)) {
      out.add("totem.cluster_name: must be " + ValueRules.CLUSTER_NAME_RULE);
    }
    if (tokenMs != 0 && (tokenMs < UserStackRules.TOKEN_MS_MIN || tokenMs > UserStackRules.TOKEN_MS_MAX)) {
      out.add("totem.token: must be 0 (corosync's " + UserStackRules.TOKEN_MS_DEFAULT + ") or "
          + UserStackRules.TOKEN_MS_MIN + ".." + UserStackRules.TOKEN_MS_MAX + " ms, got " + tokenMs);
    }
    if (nodes.isEmpty()) {
      out.add("nodelist: at least one node is needed");
    }
    Set<Integer> ids = new HashSet<>();
    Set<String> names = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (int i = 0; i < nodes.size(); i++) {
      Node n = nodes.get(i);
      String f = "nodelist.node[" + i + "]";
      if (n.nodeId() < 1 || n.nodeId() > 255) {
        out.add(f + ".nodeid: must be 1..255, got " + n.nodeId());
      } else if (!ids.add(n.nodeId())) {
        out.add(f + ".nodeid: duplicate " + n.nodeId());
      }
      if (!ValueRules.matches(ValueRules.NODE_NAME, n.name())) {
        out.add(f + ".name: must be " + ValueRules.NODE_NAME_RULE + ", got '" + printable(n.name()) + "'");
      } else if (!names.add(n.name().toLowerCase())) {
        out.add(f + ".name: duplicate " + n.name());
      }
      if (!ValueRules.matches(ValueRules.IPV4_ADDRESS, n.address())) {
        out.add(f + ".ring0_addr: must be an IPv4 address, got '" + printable(n.address()) + "'");
      } else if (!addresses.add(n.address())) {
        out.add(f + ".ring0_addr: duplicate " + n.address());
      }
    }
    return out;
  }

  private static String printable(String s) {
    return s == null ? "" : s.replace("\n", "\\n");
  }
}
