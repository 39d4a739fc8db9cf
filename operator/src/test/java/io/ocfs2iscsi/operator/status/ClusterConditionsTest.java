package io.ocfs2iscsi.operator.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterConditionsTest {

  private static final Map<String, String> SELECTOR = Map.of("ocfs2iscsi.io/member", "true");

  private static ClusterConditions.Members members(
      int count, List<String> notApplied, List<String> failures, List<String> missing) {
    return new ClusterConditions.Members(count, notApplied, failures, missing, SELECTOR, "r1");
  }

  @Test
  void everyMemberOnTheRevisionIsReadyWithItsPrerequisites() {
    List<Condition> cs = ClusterConditions.of(members(2, List.of(), List.of(), List.of()));

    assertThat(cs).extracting(Condition::getType, Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly(
            tuple("Ready", "True", "AllMembersApplied", "2 member(s) run revision r1"),
            tuple("Prerequisites", "True", "AllPresent", "every member has its host prerequisites"));
  }

  @Test
  void noMemberNamesTheSelectorAndTheDriver() {
    Condition ready = ClusterConditions.of(members(0, List.of(), List.of(), List.of())).get(0);

    assertThat(ready.getReason()).isEqualTo("NoMembers");
    assertThat(ready.getMessage()).contains(SELECTOR.toString()).contains("csi.ocfs2iscsi.io");
  }

  @Test
  void membersNotOnTheRevisionAndFailuresAreListedInThatOrder() {
    ClusterConditions.Members m = members(3, List.of("n2 (Joining)"), List.of("n3: ApplyCluster failed: UNAVAILABLE"),
        List.of());

    assertThat(m.pending()).isTrue();
    assertThat(ClusterConditions.of(m).get(0))
        .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "ClusterNotApplied",
            "not applied on: n2 (Joining); n3: ApplyCluster failed: UNAVAILABLE");
  }

  @Test
  void missingPrerequisitesAreNamedPerNode() {
    Condition prerequisites = ClusterConditions.of(
        members(2, List.of(), List.of(), List.of("n1 lacks ocfs2-tools", "n2 lacks multipath-tools"))).get(1);

    assertThat(prerequisites)
        .extracting(Condition::getStatus, Condition::getReason, Condition::getMessage)
        .containsExactly("False", "PrerequisitesMissing", "n1 lacks ocfs2-tools; n2 lacks multipath-tools");
  }

  @Test
  void anInvalidSpecIsOnlyReadyFalse() {
    assertThat(ClusterConditions.invalid("spec.clusterName: must be ..."))
        .extracting(Condition::getType, Condition::getStatus, Condition::getReason)
        .containsExactly(tuple("Ready", "False", "InvalidSpec"));
  }
}
