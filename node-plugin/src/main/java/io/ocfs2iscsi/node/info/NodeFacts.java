package io.ocfs2iscsi.node.info;

import java.util.List;

/**
 * What GetNodeInfo reports and Probe decides on: the node's names and addresses, its tools and what it lacks.
 *
 * @param missingTools required tools that are absent (Probe is not ready while any is)
 */
public record NodeFacts(
    String nodeName,
    String o2cbNodeName,
    String o2cbAddress,
    String initiatorName,
    String pluginVersion,
    List<Tool> tools,
    List<String> missingPrerequisites,
    List<String> missingTools) {

  /** One tool: its version string as printed (empty when absent or unknown). */
  public record Tool(String name, String version, boolean present) {}

  public boolean ready() {
    return missingTools.isEmpty();
  }
}
