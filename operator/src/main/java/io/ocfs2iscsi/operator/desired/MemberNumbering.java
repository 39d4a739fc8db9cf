package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.contract.O2cbClusterRules;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Stable o2cb node numbers. A node keeps its number while it exists; a node that is no longer selected keeps it
 * (held) until it is known not to heartbeat in that slot any more: its Node object is gone and the node itself
 * reported every volume of the cluster unmounted, or an administrator listed it as fenced. Until then it may still
 * write its disk heartbeat into that slot (a node cut off from the network does), and a second node with the same
 * number would corrupt the heartbeat area. New nodes take the lowest free number, in name order so that the result
 * does not depend on list order.
 */
public final class MemberNumbering {

  /** o2cb numbers are 0..254 (255 is O2NM_INVALID_NODE_NUM). */
  public static final int MAX_NUMBER = O2cbClusterRules.NODE_NUMBER_MAX;

  private MemberNumbering() {}

  /** A numbered node; {@code held} means it is no longer selected but its number is not free yet. */
  public record Numbered(String nodeName, int number, boolean held) {}

  /** The numbering, and the selected nodes left without a number because all 255 are taken. */
  public record Result(List<Numbered> members, List<String> unnumbered) {}

  /**
   * @param previous node name to number, as the cluster status recorded them (held ones included)
   * @param selected nodes that should be members now
   * @param existingNodes names of all Node objects that exist
   * @param reports what each node last said about its mounts of the cluster's volumes (missing: UNKNOWN)
   * @param fenced nodes an administrator declared fenced (powered off or cut from the SAN)
   */
  public static Result assign(
      Map<String, Integer> previous, Collection<String> selected, Set<String> existingNodes,
      Map<String, MountReports.Report> reports, Set<String> fenced) {
    Set<String> wanted = new TreeSet<>(selected);
    List<Numbered> members = new ArrayList<>();
    BitSet used = new BitSet(MAX_NUMBER + 1);
    previous.entrySet().stream()
        .sorted(Map.Entry.comparingByValue())
        .forEach(e -> {
          String node = e.getKey();
          int number = e.getValue();
          if (number < 0 || number > MAX_NUMBER || used.get(number)) {
            return; // a corrupt or duplicated entry: keep the first holder, renumber the other
          }
          boolean selectedNow = wanted.contains(node);
          if (selectedNow || !released(node, existingNodes, reports, fenced)) {
            members.add(new Numbered(node, number, !selectedNow));
            used.set(number);
          }
        });
    Set<String> numbered = new TreeSet<>();
    members.forEach(m -> numbered.add(m.nodeName()));
    List<String> unnumbered = new ArrayList<>();
    for (String node : wanted) {
      if (numbered.contains(node)) {
        continue;
      }
      int free = used.nextClearBit(0);
      if (free > MAX_NUMBER) {
        unnumbered.add(node);
        continue;
      }
      used.set(free);
      members.add(new Numbered(node, free, false));
    }
    members.sort(Comparator.comparingInt(Numbered::number));
    return new Result(List.copyOf(members), List.copyOf(unnumbered));
  }

  /** Whether a node that is no longer selected gives its number back. */
  private static boolean released(
      String node, Set<String> existingNodes, Map<String, MountReports.Report> reports, Set<String> fenced) {
    if (fenced.contains(node)) {
      return true;
    }
    return !existingNodes.contains(node)
        && reports.getOrDefault(node, MountReports.Report.UNKNOWN) == MountReports.Report.UNMOUNTED;
  }
}
