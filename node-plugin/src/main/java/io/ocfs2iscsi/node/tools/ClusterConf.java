package io.ocfs2iscsi.node.tools;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * /etc/ocfs2/cluster.conf: one cluster stanza and one stanza per node. Rendered with tab-indented parameters,
 * as o2cb writes it (its parser wants the parameters indented and the stanza headers in the first column). Nodes
 * are written in number order, so the same membership always gives the same bytes.
 */
public record ClusterConf(String name, List<Node> nodes) {

  public static final String PATH = "/etc/ocfs2/cluster.conf";

  /** One member: its o2cb name (the host name), number, IPv4 address and o2cb port. */
  public record Node(String name, int number, String address, int port) {}

  public ClusterConf {
    nodes = nodes.stream().sorted(Comparator.comparingInt(Node::number)).toList();
  }

  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("cluster:\n")
        .append("\tnode_count = ").append(nodes.size()).append('\n')
        .append("\tname = ").append(name).append('\n');
    for (Node n : nodes) {
      sb.append('\n')
          .append("node:\n")
          .append("\tip_port = ").append(n.port()).append('\n')
          .append("\tip_address = ").append(n.address()).append('\n')
          .append("\tnumber = ").append(n.number()).append('\n')
          .append("\tname = ").append(n.name()).append('\n')
          .append("\tcluster = ").append(name).append('\n');
    }
    return sb.toString();
  }

  /**
   * Parses a cluster.conf (any indentation) into the cluster of the given name; stanzas of other clusters are
   * ignored. Throws IllegalArgumentException on a file without that cluster.
   */
  public static ClusterConf parse(String text, String clusterName) {
    List<Map<String, String>> stanzas = new ArrayList<>();
    List<String> kinds = new ArrayList<>();
    Map<String, String> current = null;
    for (String raw : text.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (!Character.isWhitespace(raw.charAt(0)) && line.endsWith(":")) {
        current = new LinkedHashMap<>();
        stanzas.add(current);
        kinds.add(line.substring(0, line.length() - 1).strip());
      } else if (current != null && line.contains("=")) {
        int eq = line.indexOf('=');
        current.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
      }
    }
    boolean found = false;
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < stanzas.size(); i++) {
      Map<String, String> s = stanzas.get(i);
      if (kinds.get(i).equals("cluster") && clusterName.equals(s.get("name"))) {
        found = true;
      } else if (kinds.get(i).equals("node") && clusterName.equals(s.get("cluster"))) {
        nodes.add(
            new Node(
                s.get("name"),
                Integer.parseInt(s.get("number")),
                s.get("ip_address"),
                Integer.parseInt(s.getOrDefault("ip_port", "7777"))));
      }
    }
    if (!found) {
      throw new IllegalArgumentException("no cluster stanza named " + clusterName);
    }
    return new ClusterConf(clusterName, nodes);
  }
}
