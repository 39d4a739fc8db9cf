package io.ocfs2iscsi.operator.desired;

import static io.ocfs2iscsi.operator.desired.MountReports.Report.MOUNTED;
import static io.ocfs2iscsi.operator.desired.MountReports.Report.UNKNOWN;
import static io.ocfs2iscsi.operator.desired.MountReports.Report.UNMOUNTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.desired.MemberNumbering.Numbered;
import io.ocfs2iscsi.operator.desired.MemberNumbering.Result;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class MemberNumberingTest {

  private static final Map<String, MountReports.Report> NO_REPORTS = Map.of();
  private static final Set<String> NONE_FENCED = Set.of();

  /** Feeds a result back as the next reconcile's "previous", as the cluster status does. */
  private static Map<String, Integer> asPrevious(Result r) {
    Map<String, Integer> m = new LinkedHashMap<>();
    r.members().forEach(n -> m.put(n.nodeName(), n.number()));
    return m;
  }

  private static Map<String, Integer> numbers(Result r) {
    return r.members().stream().collect(Collectors.toMap(Numbered::nodeName, Numbered::number));
  }

  private static Set<String> held(Result r) {
    return r.members().stream().filter(Numbered::held).map(Numbered::nodeName)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void newNodesTakeTheLowestFreeNumbersInNameOrderWhateverTheListOrder() {
    Result a = MemberNumbering.assign(Map.of(), List.of("node-c", "node-a", "node-b"),
        Set.of("node-a", "node-b", "node-c"), NO_REPORTS, NONE_FENCED);
    Result b = MemberNumbering.assign(Map.of(), List.of("node-b", "node-c", "node-a"),
        Set.of("node-a", "node-b", "node-c"), NO_REPORTS, NONE_FENCED);

    assertThat(a.members()).containsExactly(
        new Numbered("node-a", 0, false), new Numbered("node-b", 1, false), new Numbered("node-c", 2, false));
    assertThat(b).isEqualTo(a);
    assertThat(a.unnumbered()).isEmpty();
  }

  @Test
  void numbersAreStableAcrossReconciles() {
    Set<String> nodes = Set.of("drbd01", "drbd02");
    Result first = MemberNumbering.assign(Map.of(), nodes, nodes, NO_REPORTS, NONE_FENCED);
    Result second = MemberNumbering.assign(asPrevious(first), nodes, nodes, NO_REPORTS, NONE_FENCED);
    Result third = MemberNumbering.assign(asPrevious(second), List.of("drbd02", "drbd01"), nodes, NO_REPORTS, NONE_FENCED);

    assertThat(second).isEqualTo(first);
    assertThat(third).isEqualTo(first);
    assertThat(numbers(first)).containsExactlyInAnyOrderEntriesOf(Map.of("drbd01", 0, "drbd02", 1));
  }

  @Test
  void aNewNodeFillsTheGapNotTheEnd() {
    Map<String, Integer> previous = Map.of("a", 0, "c", 2);
    Result r = MemberNumbering.assign(previous, List.of("a", "c", "b", "d"), Set.of("a", "b", "c", "d"), NO_REPORTS, NONE_FENCED);

    assertThat(numbers(r)).containsExactlyInAnyOrderEntriesOf(Map.of("a", 0, "b", 1, "c", 2, "d", 3));
  }

  @Test
  void aKnownNodeKeepsItsNumberEvenWhenALowerOneIsFree() {
    Result r = MemberNumbering.assign(Map.of("z", 7), List.of("z"), Set.of("z"), NO_REPORTS, NONE_FENCED);

    assertThat(r.members()).containsExactly(new Numbered("z", 7, false));
  }

  @Test
  void aDeselectedNodeWhoseNodeObjectExistsIsHeldAndItsNumberNotReused() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1);
    // b lost its label (or is NotReady): still a Node, so it may still heartbeat in slot 1.
    Result r = MemberNumbering.assign(previous, List.of("a", "c"), Set.of("a", "b", "c"), NO_REPORTS, NONE_FENCED);

    assertThat(r.members()).containsExactly(
        new Numbered("a", 0, false), new Numbered("b", 1, true), new Numbered("c", 2, false));
  }

  @Test
  void aDeletedNodeThatAVolumeStillReportsMountedIsHeld() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1);
    Result r = MemberNumbering.assign(previous, List.of("a", "c"), Set.of("a", "c"), Map.of("b", MOUNTED),
        NONE_FENCED);

    assertThat(held(r)).containsExactly("b");
    assertThat(numbers(r)).containsEntry("b", 1).containsEntry("c", 2);
  }

  @Test
  void aDeletedNodeThatReportedItselfUnmountedReleasesItsNumberToTheNextNewNode() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1);
    Result r = MemberNumbering.assign(previous, List.of("a", "c"), Set.of("a", "c"), Map.of("b", UNMOUNTED),
        NONE_FENCED);

    assertThat(r.members()).containsExactly(new Numbered("a", 0, false), new Numbered("c", 1, false));
  }

  @Test
  void aDeletedNodeWhoseLastReportSaidMountedIsHeld() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1);
    Result r = MemberNumbering.assign(previous, List.of("a"), Set.of("a"), Map.of("b", MOUNTED), NONE_FENCED);

    assertThat(r.members()).containsExactly(new Numbered("a", 0, false), new Numbered("b", 1, true));
  }

  @Test
  void aDeletedNodeThatDoesNotAnswerIsHeldAndItsNumberNotReused() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1);
    // b dropped off the network with the volume mounted; then its Node object was deleted.
    Result unreachable = MemberNumbering.assign(previous, List.of("a", "c"), Set.of("a", "c"), Map.of("b", UNKNOWN),
        NONE_FENCED);
    Result neverAsked = MemberNumbering.assign(previous, List.of("a", "c"), Set.of("a", "c"), NO_REPORTS,
        NONE_FENCED);

    assertThat(unreachable.members()).containsExactly(
        new Numbered("a", 0, false), new Numbered("b", 1, true), new Numbered("c", 2, false));
    assertThat(neverAsked).isEqualTo(unreachable);
  }

  @Test
  void aDeletedNodeThatReportedUnmountedIsReleased() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1);
    Result r = MemberNumbering.assign(previous, List.of("a"), Set.of("a"), Map.of("b", UNMOUNTED), NONE_FENCED);

    assertThat(r.members()).containsExactly(new Numbered("a", 0, false));
  }

  @Test
  void aFencedNodeIsReleasedWhateverItLastReportedAndEvenIfItsNodeObjectStays() {
    Map<String, Integer> previous = Map.of("a", 0, "b", 1, "d", 3);
    // b: Node deleted, last seen mounted; d: NotReady (deselected) with its Node object left behind, unreachable.
    Result r = MemberNumbering.assign(previous, List.of("a", "c"), Set.of("a", "c", "d"),
        Map.of("b", MOUNTED, "d", UNKNOWN), Set.of("b", "d"));

    assertThat(r.members()).containsExactly(new Numbered("a", 0, false), new Numbered("c", 1, false));
  }

  @Test
  void aFencedNodeThatIsSelectedAgainKeepsItsNumber() {
    Result r = MemberNumbering.assign(Map.of("a", 0, "b", 1), List.of("a", "b"), Set.of("a", "b"), NO_REPORTS,
        Set.of("b"));

    assertThat(r.members()).containsExactly(new Numbered("a", 0, false), new Numbered("b", 1, false));
  }

  @Test
  void aDeselectedNodeWhoseNodeObjectExistsIsHeldEvenAfterItReportedUnmounted() {
    Result r = MemberNumbering.assign(Map.of("a", 0, "b", 1), List.of("a"), Set.of("a", "b"), Map.of("b", UNMOUNTED),
        NONE_FENCED);

    assertThat(r.members()).containsExactly(new Numbered("a", 0, false), new Numbered("b", 1, true));
  }

  @Test
  void addRemoveReAddSequence() {
    Set<String> all = new TreeSet<>(Set.of("n1", "n2", "n3"));
    // add three nodes
    Result r1 = MemberNumbering.assign(Map.of(), all, all, NO_REPORTS, NONE_FENCED);
    assertThat(numbers(r1)).containsExactlyInAnyOrderEntriesOf(Map.of("n1", 0, "n2", 1, "n3", 2));

    // n2 deselected, Node still exists, and it still mounts a volume: held
    Result r2 = MemberNumbering.assign(asPrevious(r1), List.of("n1", "n3"), all, Map.of("n2", MOUNTED), NONE_FENCED);
    assertThat(held(r2)).containsExactly("n2");
    assertThat(numbers(r2)).containsEntry("n2", 1);

    // n4 arrives while n2 is held: it must not get 1
    Set<String> withN4 = Set.of("n1", "n2", "n3", "n4");
    Result r3 = MemberNumbering.assign(asPrevious(r2), List.of("n1", "n3", "n4"), withN4, Map.of("n2", MOUNTED),
        NONE_FENCED);
    assertThat(numbers(r3)).containsEntry("n4", 3).containsEntry("n2", 1);

    // n2 re-added while held: gets its old number back, no longer held
    Result r4 = MemberNumbering.assign(asPrevious(r3), List.of("n1", "n2", "n3", "n4"), withN4, NO_REPORTS, NONE_FENCED);
    assertThat(r4.members()).containsExactly(
        new Numbered("n1", 0, false), new Numbered("n2", 1, false), new Numbered("n3", 2, false),
        new Numbered("n4", 3, false));

    // n2 removed for good (Node deleted, it answered that it mounts nothing): released
    Set<String> withoutN2 = Set.of("n1", "n3", "n4");
    Result r5 = MemberNumbering.assign(asPrevious(r4), withoutN2, withoutN2, Map.of("n2", UNMOUNTED), NONE_FENCED);
    assertThat(numbers(r5)).doesNotContainKey("n2").hasSize(3);

    // n5 takes the released 1
    Set<String> withN5 = Set.of("n1", "n3", "n4", "n5");
    Result r6 = MemberNumbering.assign(asPrevious(r5), withN5, withN5, NO_REPORTS, NONE_FENCED);
    assertThat(numbers(r6)).containsEntry("n5", 1);

    // n2 comes back after release: lowest free (4), not its old 1 which n5 has now
    Set<String> withN2 = Set.of("n1", "n2", "n3", "n4", "n5");
    Result r7 = MemberNumbering.assign(asPrevious(r6), withN2, withN2, NO_REPORTS, NONE_FENCED);
    assertThat(numbers(r7)).containsExactlyInAnyOrderEntriesOf(
        Map.of("n1", 0, "n5", 1, "n3", 2, "n4", 3, "n2", 4));
    assertThat(held(r7)).isEmpty();
  }

  @Test
  void reAddAfterReleaseGetsTheLowestFreeNumberWhichMayBeItsOld() {
    Result r = MemberNumbering.assign(Map.of("a", 0, "c", 2), List.of("a", "b", "c"), Set.of("a", "b", "c"),
        NO_REPORTS, NONE_FENCED);

    assertThat(numbers(r)).containsEntry("b", 1);
  }

  @Test
  void twoHundredFiftyFiveNodesUseEveryNumberFrom0To254AndTheNextIsUnnumbered() {
    List<String> nodes = IntStream.range(0, 256).mapToObj(i -> String.format("node-%03d", i)).toList();
    Set<String> all = new TreeSet<>(nodes);

    Result first255 = MemberNumbering.assign(Map.of(), nodes.subList(0, 255), all, NO_REPORTS, NONE_FENCED);
    assertThat(first255.members()).hasSize(255);
    assertThat(first255.members()).extracting(Numbered::number)
        .containsExactlyElementsOf(IntStream.rangeClosed(0, MemberNumbering.MAX_NUMBER).boxed().toList());
    assertThat(first255.unnumbered()).isEmpty();

    Result all256 = MemberNumbering.assign(asPrevious(first255), nodes, all, NO_REPORTS, NONE_FENCED);
    assertThat(all256.members()).hasSize(255);
    assertThat(all256.unnumbered()).containsExactly("node-255");
    assertThat(numbers(all256)).isEqualTo(numbers(first255));
  }

  @Test
  void aHeldNumberCountsAgainstTheLimit() {
    Map<String, Integer> previous = new HashMap<>();
    for (int i = 0; i <= MemberNumbering.MAX_NUMBER; i++) {
      previous.put("old-" + i, i);
    }
    Set<String> existing = new TreeSet<>(previous.keySet());
    existing.add("new");
    List<String> selected = new java.util.ArrayList<>(previous.keySet());
    selected.remove("old-17"); // deselected, Node exists: held
    selected.add("new");

    Result r = MemberNumbering.assign(previous, selected, existing, NO_REPORTS, NONE_FENCED);

    assertThat(r.unnumbered()).containsExactly("new");
    assertThat(held(r)).containsExactly("old-17");
  }

  @Test
  void corruptOrDuplicatedPreviousNumbersAreNotKept() {
    Map<String, Integer> previous = new LinkedHashMap<>();
    previous.put("a", 0);
    previous.put("b", 0); // duplicate of a's
    previous.put("c", 255); // out of range
    previous.put("d", -1);
    Result r = MemberNumbering.assign(previous, List.of("a", "b", "c", "d"), Set.of("a", "b", "c", "d"), NO_REPORTS, NONE_FENCED);

    assertThat(r.members()).extracting(Numbered::number).doesNotHaveDuplicates()
        .allSatisfy(n -> assertThat(n).isBetween(0, MemberNumbering.MAX_NUMBER));
    assertThat(r.members()).extracting(Numbered::number).containsExactly(0, 1, 2, 3);
    assertThat(r.members()).hasSize(4);
  }
}
