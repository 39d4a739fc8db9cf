package io.ocfs2iscsi.operator.desired;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.CSINodeDriver;
import io.ocfs2iscsi.contract.CsiDriver;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Which nodes belong to an o2cb cluster, and where their node agents listen. A node is selected when it is Ready,
 * carries the cluster's nodeSelector labels and its CSINode lists our driver: kubelet writes that entry when the
 * node plugin registers, so it is Kubernetes' own proof that the plugin runs there. A node marked out of service
 * ({@link NodeLoss#OUT_OF_SERVICE}) is not selected even when it is Ready again: it joins as a new member once the
 * administrator removes the taint.
 */
public final class ClusterNodes {

  private ClusterNodes() {}

  public static Set<String> nodesWithDriver(Collection<CSINode> csiNodes) {
    return csiNodes.stream()
        .filter(c -> c.getSpec() != null && c.getSpec().getDrivers() != null)
        .filter(c -> c.getSpec().getDrivers().stream().map(CSINodeDriver::getName).anyMatch(CsiDriver.NAME::equals))
        .map(c -> c.getMetadata().getName())
        .collect(Collectors.toCollection(TreeSet::new));
  }

  public static Set<String> selected(Collection<Node> nodes, Map<String, String> nodeSelector, Set<String> withDriver) {
    return nodes.stream()
        .filter(n -> n.getMetadata().getDeletionTimestamp() == null)
        .filter(ClusterNodes::ready)
        .filter(n -> NodeLoss.outOfServiceTaint(n).isEmpty())
        .filter(n -> matches(n, nodeSelector))
        .map(n -> n.getMetadata().getName())
        .filter(withDriver::contains)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  public static boolean ready(Node node) {
    List<NodeCondition> conditions = node.getStatus() == null ? null : node.getStatus().getConditions();
    return conditions != null
        && conditions.stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The node's boot id as kubelet reports it; null when it reports none. */
  public static String bootId(Node node) {
    if (node == null || node.getStatus() == null || node.getStatus().getNodeInfo() == null) {
      return null;
    }
    String id = node.getStatus().getNodeInfo().getBootID();
    return id == null || id.isEmpty() ? null : id;
  }

  /**
   * Whether a member that applied {@code revision} at boot {@code appliedBootId} has the cluster now. A node that
   * booted since has not: its node plugin keeps the cluster of before the crash offline until it is applied again.
   */
  public static boolean hasApplied(String revision, String appliedRevision, String appliedBootId, String bootNow) {
    return revision.equals(appliedRevision) && (bootNow == null || bootNow.equals(appliedBootId));
  }

  static boolean matches(Node node, Map<String, String> selector) {
    Map<String, String> labels = node.getMetadata().getLabels() == null ? Map.of() : node.getMetadata().getLabels();
    return selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /**
   * The address the node agent is reached on: the node's address inside {@code cidr} when given and present,
   * else its InternalIP.
   */
  public static Optional<String> agentHost(Node node, String cidr) {
    List<NodeAddress> addresses =
        node.getStatus() == null || node.getStatus().getAddresses() == null ? List.of() : node.getStatus().getAddresses();
    if (cidr != null) {
      Optional<String> inside = addresses.stream().map(NodeAddress::getAddress).filter(a -> Ipv4Cidr.contains(cidr, a))
          .findFirst();
      if (inside.isPresent()) {
        return inside;
      }
    }
    return addresses.stream().filter(a -> "InternalIP".equals(a.getType())).map(NodeAddress::getAddress).findFirst();
  }
}
