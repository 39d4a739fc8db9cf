package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec.NodeSlotsPolicy;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.status.NodeHealthViews;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Whether and where a volume's filesystem gets more node slots. Each node that mounts an OCFS2 filesystem holds one
 * slot (its journal); a member beyond the slot count cannot mount it. tunefs.ocfs2 -N adds slots only while no node
 * of the cluster mounts the filesystem, so with the Automatic policy slots are added on a member that answers, once
 * every node that may mount the volume reports that it does not. Slots are never removed.
 */
public final class NodeSlots {

  public static final String FIELD = "spec.filesystem.nodeSlotsPolicy";

  private NodeSlots() {}

  public sealed interface Decision permits Enough, AddOn, Wait {}

  /** At least as many slots as members. */
  public record Enough() implements Decision {}

  /** Add slots: SetNodeSlots({@code to}) on {@code node}. */
  public record AddOn(String node, int from, int to) implements Decision {}

  /** Too few slots and nothing to do now; the message is NodeSlotsExceeded's. */
  public record Wait(String message) implements Decision {}

  /**
   * @param slots the filesystem's slot count (as recorded when it was formatted or slots were added)
   * @param specSlots spec.filesystem.nodeSlots: the count to add up to when it is above the member count
   * @param members the cluster's members (not the held ones), in o2cb number order
   * @param applied the members whose cluster is online (where tunefs.ocfs2 can take the cluster lock)
   * @param health the nodes' answers: members, and nodes that left but may still mount the volume
   * @param cluster the Ocfs2Cluster's name, for the messages
   * @param device the volume's map, for Manual's instruction
   */
  public static Decision decide(
      NodeSlotsPolicy policy, int slots, int specSlots, List<String> members, List<String> applied,
      List<NodeVolumeStatus> health, String cluster, String device) {
    if (members.size() <= slots) {
      return new Enough();
    }
    int target = Math.max(members.size(), specSlots);
    String exceeded = members.size() + " nodes are members of Ocfs2Cluster " + cluster + " but the filesystem has "
        + slots + " node slots";
    if (policy == NodeSlotsPolicy.Manual) {
      return new Wait(exceeded + " (" + FIELD + ": Manual): while no node mounts it (stop the pods that use it;"
          + " tunefs.ocfs2 cannot add slots to a filesystem mounted on any node) run `tunefs.ocfs2 -N " + target
          + " " + device + "` on a node that has the map, then set spec.filesystem.nodeSlots to " + target);
    }
    String later = exceeded + ": the operator adds slots (" + slots + " -> " + target + ") as soon as no node"
        + " mounts the volume (tunefs.ocfs2 cannot add slots to a filesystem mounted on any node); ";
    List<String> mounting = health.stream().filter(NodeHealthViews::mounted).map(NodeVolumeStatus::getNode).toList();
    if (!mounting.isEmpty()) {
      return new Wait(later + "mounted on " + String.join(", ", mounting) + " now (stop the pods that use it to add"
          + " them sooner)");
    }
    List<String> silent = health.stream().filter(n -> !NodeHealthViews.reachable(n)).map(NodeVolumeStatus::getNode)
        .toList();
    if (!silent.isEmpty()) {
      return new Wait(later + "the node agent of " + String.join(", ", silent) + " does not answer: it may mount it");
    }
    Set<String> answered = health.stream().filter(NodeHealthViews::reachable).map(NodeVolumeStatus::getNode)
        .collect(Collectors.toSet());
    return applied.stream().filter(answered::contains).findFirst()
        .<Decision>map(node -> new AddOn(node, slots, target))
        .orElseGet(() -> new Wait(later + "no member with the cluster online answers yet"));
  }

  /** The NodeSlotsAdded event's text. */
  public static String added(AddOn add, long millis) {
    return "node " + add.node() + " added node slots to the filesystem: " + add.from() + " -> " + add.to() + " ("
        + millis + " ms, while no node mounted it)";
  }
}
