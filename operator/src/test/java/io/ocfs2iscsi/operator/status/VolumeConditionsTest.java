package io.ocfs2iscsi.operator.status;

import static io.ocfs2iscsi.operator.status.NodeHealthViewsTest.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeConditionsTest {

  private static final String P1 = "192.168.0.180:3260";
  private static final String P2 = "10.20.1.180:3260";
  private static final String COHERENT = "path failover blocks I/O for at most 25 s";

  private static NodeVolumeStatus healthy(String node) {
    return NodeHealthViews.of(node, health(true, 2, 0, P1, "LOGGED_IN", P2, "LOGGED_IN"));
  }

  private static NodeVolumeStatus pathFailed(String node) {
    return NodeHealthViews.of(node, health(true, 1, 1, P1, "LOGGED_IN", P2, "LOGGED_IN"));
  }

  private static NodeVolumeStatus sessionFailed(String node) {
    return NodeHealthViews.of(node, health(true, 1, 1, P1, "LOGGED_IN", P2, "FAILED"));
  }

  /** Formatted, published, timeouts fine: only the nodes decide. */
  private static VolumeAssessment published(NodeVolumeStatus... nodes) {
    return new VolumeAssessment()
        .timeouts(true, COHERENT)
        .formatted(VolumeReason.Formatted, "formatted OCFS2 u-1 on node drbd01 at 2025-03-01T10:00:00Z")
        .published("mylun")
        .nodes(List.of(nodes));
  }

  private static Condition get(List<Condition> cs, String type) {
    return Conditions.find(cs, type).orElseThrow(() -> new AssertionError("no condition " + type + " in " + cs));
  }

  @Test
  void formattedPublishedAndEveryPathUpIsReady() {
    List<Condition> cs = VolumeConditions.of(published(healthy("drbd01"), healthy("drbd02"),
        NodeHealthViews.of("drbd03", health(false, 0, 0))));

    assertThat(cs).extracting(Condition::getType, Condition::getStatus, Condition::getReason).containsExactly(
        tuple("Ready", "True", "Ready"),
        tuple("Formatted", "True", "Formatted"),
        tuple("Published", "True", "PersistentVolumeCreated"),
        tuple("Degraded", "False", "AllPathsUp"),
        tuple("TimeoutsCoherent", "True", "WithinDeadTime"));
    assertThat(get(cs, "Ready").getMessage())
        .isEqualTo("formatted and published as PersistentVolume mylun; 2 node(s) mount it with all paths active");
    assertThat(get(cs, "Published").getMessage()).isEqualTo("PersistentVolume mylun");
    assertThat(get(cs, "TimeoutsCoherent").getMessage()).isEqualTo(COHERENT);
  }

  @Test
  void anAdoptedFilesystemIsFormattedWithReasonAdopted() {
    VolumeAssessment a = published(healthy("drbd01")).formatted(VolumeReason.Adopted, "adopted OCFS2 u-2");

    assertThat(get(VolumeConditions.of(a), "Formatted"))
        .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("True", "Adopted", "adopted OCFS2 u-2");
  }

  @Test
  void anInvalidSpecBlocksEverythingAndNamesTheField() {
    VolumeAssessment a = new VolumeAssessment()
        .block(VolumeReason.InvalidSpec, "spec.target.iqn: must be an iqn")
        .block(VolumeReason.ClusterNotFound, "a consequence, not the cause");

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(cs).extracting(Condition::getType, Condition::getStatus, Condition::getReason).containsExactly(
        tuple("Ready", "False", "InvalidSpec"),
        tuple("Formatted", "False", "InvalidSpec"),
        tuple("Published", "False", "NotPublished"),
        tuple("Degraded", "False", "AllPathsUp"));
    assertThat(get(cs, "Ready").getMessage()).isEqualTo("spec.target.iqn: must be an iqn");
  }

  @Test
  void aBlockerBeforeFormattingIsAlsoFormattedsReason() {
    VolumeAssessment a = new VolumeAssessment().timeouts(true, COHERENT)
        .block(VolumeReason.ForeignSignature, "/dev/mapper/mylun carries xfs; nothing was written");

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "Ready").getReason()).isEqualTo("ForeignSignature");
    assertThat(get(cs, "Formatted")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "ForeignSignature", "/dev/mapper/mylun carries xfs; nothing was written");
  }

  @Test
  void notFormattedWithoutABlockerSaysSo() {
    List<Condition> cs = VolumeConditions.of(new VolumeAssessment());

    assertThat(get(cs, "Ready").getReason()).isEqualTo("Publishing");
    assertThat(get(cs, "Formatted")).extracting(Condition::getReason, Condition::getMessage)
        .containsExactly("NotFormatted", "not formatted yet");
    assertThat(cs).extracting(Condition::getType).doesNotContain("TimeoutsCoherent");
  }

  @Test
  void formattedButNotPublishedIsNotReady() {
    VolumeAssessment a = new VolumeAssessment().formatted(VolumeReason.Formatted, "formatted");

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "Publishing");
    assertThat(get(cs, "Formatted").getStatus()).isEqualTo("True");
    assertThat(get(cs, "Published").getStatus()).isEqualTo("False");
  }

  @Test
  void incoherentTimeoutsEnforcedBlockReady() {
    String why = "path failover can block I/O for 61 s";
    VolumeAssessment a = new VolumeAssessment().timeouts(false, why)
        .block(VolumeReason.TimeoutsIncoherent, why + " (timeoutCheck: Warn accepts the risk)");

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "TimeoutsIncoherent");
    assertThat(get(cs, "TimeoutsCoherent")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "TimeoutsIncoherent", why);
  }

  @Test
  void incoherentTimeoutsWithWarnLeaveTheVolumeReadyButSayItInTheirCondition() {
    VolumeAssessment a = published(healthy("drbd01")).timeouts(false, "queue blocks I/O forever");

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "Ready").getStatus()).isEqualTo("True");
    assertThat(get(cs, "TimeoutsCoherent")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "TimeoutsIncoherent");
  }

  @Test
  void timeoutsNotAppliedOnANodeAreTimeoutsCoherentFalseNamingNodeAndValueWhileTheVolumeStaysReady() {
    String mismatch = "timeouts in effect differ from the spec: node2: session on " + P1 + " has recovery_tmo 5 s,"
        + " but target.session.replacementTimeoutSeconds is 3 s";
    VolumeAssessment a = published(healthy("drbd01")).timeoutsNotApplied(mismatch);

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "Ready").getStatus()).isEqualTo("True");
    assertThat(get(cs, "TimeoutsCoherent")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "TimeoutsNotApplied");
    assertThat(get(cs, "TimeoutsCoherent").getMessage()).startsWith(mismatch).contains(COHERENT);
  }

  @Test
  void incoherentTimeoutsOutrankNotAppliedOnes() {
    VolumeAssessment a = published(healthy("drbd01")).timeouts(false, "path failover can block I/O for 40 s")
        .timeoutsNotApplied("timeouts in effect differ from the spec: node2: ...");

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "TimeoutsCoherent")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("False", "TimeoutsIncoherent");
    assertThat(get(cs, "TimeoutsCoherent").getMessage()).contains("40 s", "node2");
  }

  @Test
  void tooFewNodeSlotsMakeReadyFalseWithTheRemedy() {
    String message = "5 nodes are members of Ocfs2Cluster iscsi but the filesystem has 4 node slots: run"
        + " `tunefs.ocfs2 -N 5 /dev/mapper/mylun` on one node that mounts it, then set spec.filesystem.nodeSlots to 5";
    VolumeAssessment a = published(pathFailed("drbd01")).slotsExceeded(message);

    List<Condition> cs = VolumeConditions.of(a);

    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "NodeSlotsExceeded", message);
    assertThat(get(cs, "Ready").getMessage()).contains("tunefs.ocfs2 -N");
    assertThat(get(cs, "Degraded").getReason()).isEqualTo("PathDown"); // still reported in its own condition
  }

  @Test
  void aBlockerOutranksTheSlotsProblem() {
    VolumeAssessment a = published(healthy("a")).slotsExceeded("tunefs.ocfs2 -N")
        .block(VolumeReason.ClaimStillBound, "claim default/shared-data");

    assertThat(get(VolumeConditions.of(a), "Ready").getReason()).isEqualTo("ClaimStillBound");
  }

  @Test
  void aFailedPathOnAMountingNodeIsPathDownAndTheVolumeStaysReady() {
    List<Condition> cs = VolumeConditions.of(published(healthy("drbd01"), pathFailed("drbd02")));

    assertThat(get(cs, "Degraded")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("True", "PathDown", "drbd02: 1 of 2 paths active");
    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("True", "Ready");
  }

  @Test
  void aVolumeWhoseMountingNodesEachKeepAPathStaysReadyAndSaysWhatIsMissingInDegraded() {
    List<Condition> cs = VolumeConditions.of(published(sessionFailed("drbd01"), pathFailed("drbd02")));

    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("True", "Ready", "formatted and published as PersistentVolume mylun; 2 node(s) mount it,"
            + " each with at least one active path; degraded: see the Degraded condition");
    assertThat(get(cs, "Degraded")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("True", "SessionDown");
  }

  @Test
  void aMountingNodeWithoutAnyActivePathMakesReadyFalse() {
    NodeVolumeStatus noPath = NodeHealthViews.of("drbd02", health(true, 0, 2, P1, "FAILED", P2, "FAILED"));

    List<Condition> cs = VolumeConditions.of(published(healthy("drbd01"), noPath));

    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "NoActivePath", "drbd02: 0 of 2 paths active, its I/O is queued or failing");
    assertThat(get(cs, "Degraded")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("True", "NoActivePath");
  }

  @Test
  void aFilesystemThatWentReadOnlyOnANodeMakesReadyFalseWithTheRemedy() {
    NodeVolumeStatus ro = NodeHealthViews.of("drbd02", health(true, 2, 0, P1, "LOGGED_IN", P2, "LOGGED_IN")
        .toBuilder().setReadOnly(true).build());
    NodeVolumeStatus unreachable = NodeHealthViews.unreachable("drbd03", "UNAVAILABLE: io exception");

    List<Condition> cs = VolumeConditions.of(published(pathFailed("drbd01"), ro, unreachable));

    String message = "drbd02: the filesystem went read-only (OCFS2 remounts it after I/O errors or a journal abort),"
        + " writes there fail: check the SAN and the node's kernel log (dmesg), then make the node unmount and stage"
        + " it again: delete the pods that use the volume on that node (or drain and reboot it)";
    assertThat(get(cs, "Ready")).extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "FilesystemReadOnly", message);
    assertThat(get(cs, "Degraded")).extracting(Condition::getStatus, Condition::getReason)
        .containsExactly("True", "FilesystemReadOnly");
  }

  @Test
  void fewerActivePathsThanSessionsIsPathDownEvenWithoutAFailedOne() {
    NodeVolumeStatus n = NodeHealthViews.of("drbd01", health(true, 1, 0, P1, "LOGGED_IN", P2, "LOGGED_IN"));

    assertThat(get(VolumeConditions.of(published(n)), "Degraded"))
        .extracting(Condition::getReason, Condition::getMessage)
        .containsExactly("PathDown", "drbd01: 1 of 2 paths active");
  }

  @Test
  void aNodeThatDoesNotMountDoesNotDegradeTheVolume() {
    NodeVolumeStatus staged = NodeHealthViews.of("drbd03", health(false, 1, 1, P1, "LOGGED_IN", P2, "FAILED"));

    List<Condition> cs = VolumeConditions.of(published(healthy("drbd01"), staged));

    assertThat(get(cs, "Degraded").getStatus()).isEqualTo("False");
    assertThat(get(cs, "Ready").getStatus()).isEqualTo("True");
  }

  @Test
  void degradedReasonPriorityIsNodeUnreachableThenNoActivePathThenSessionDownThenPathDown() {
    NodeVolumeStatus unreachable = NodeHealthViews.unreachable("drbd03", "UNAVAILABLE: io exception");

    List<Condition> all = VolumeConditions.of(published(pathFailed("drbd01"), sessionFailed("drbd02"), unreachable));
    assertThat(get(all, "Degraded")).extracting(Condition::getReason, Condition::getMessage)
        .containsExactly("NodeUnreachable",
            "node agent unreachable on drbd03 (node agent unreachable: UNAVAILABLE: io exception)");
    assertThat(get(all, "Ready").getReason()).isEqualTo("NodeUnreachable");

    NodeVolumeStatus noPath = NodeHealthViews.of("drbd04", health(true, 0, 2, P1, "FAILED", P2, "FAILED"));
    List<Condition> noPathWorst = VolumeConditions.of(published(pathFailed("drbd01"), sessionFailed("drbd02"), noPath));
    assertThat(get(noPathWorst, "Degraded").getReason()).isEqualTo("NoActivePath");

    List<Condition> noUnreachable = VolumeConditions.of(published(pathFailed("drbd01"), sessionFailed("drbd02")));
    assertThat(get(noUnreachable, "Degraded")).extracting(Condition::getReason, Condition::getMessage)
        .containsExactly("SessionDown", "drbd02: session on " + P2 + " is FAILED");

    List<Condition> pathOnly = VolumeConditions.of(published(pathFailed("drbd01"), healthy("drbd02")));
    assertThat(get(pathOnly, "Degraded").getReason()).isEqualTo("PathDown");
  }

  @Test
  void everyProblemOfTheWinningKindIsListed() {
    List<Condition> cs = VolumeConditions.of(published(pathFailed("a"), pathFailed("b")));

    assertThat(get(cs, "Degraded").getMessage()).isEqualTo("a: 1 of 2 paths active; b: 1 of 2 paths active");
  }
}
