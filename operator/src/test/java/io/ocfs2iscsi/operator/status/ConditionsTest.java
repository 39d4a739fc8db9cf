package io.ocfs2iscsi.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConditionsTest {

  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00.750Z");
  private static final Instant T1 = Instant.parse("2025-03-01T10:05:00Z");

  @Test
  void ofBuildsTrueOrFalseWithReasonAndMessage() {
    Condition c = Conditions.of("Ready", false, "InvalidSpec", "spec.target.iqn: bad");

    assertThat(c.getType()).isEqualTo("Ready");
    assertThat(c.getStatus()).isEqualTo("False");
    assertThat(c.getReason()).isEqualTo("InvalidSpec");
    assertThat(c.getMessage()).isEqualTo("spec.target.iqn: bad");
    assertThat(Conditions.of("Ready", true, "Ready", "").getStatus()).isEqualTo("True");
  }

  @Test
  void aNewConditionGetsNowTruncatedToSecondsAndTheGeneration() {
    List<Condition> merged = Conditions.merge(List.of(), List.of(Conditions.of("Ready", true, "Ready", "ok")), 3L, T0);

    assertThat(merged).singleElement().satisfies(c -> {
      assertThat(c.getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z");
      assertThat(c.getObservedGeneration()).isEqualTo(3L);
      assertThat(c.getReason()).isEqualTo("Ready");
    });
  }

  @Test
  void anUnchangedStatusCarriesTheTransitionTimeForwardEvenWhenReasonAndMessageChange() {
    List<Condition> first = Conditions.merge(null,
        List.of(Conditions.of("Degraded", true, "PathDown", "n1: 1 of 2 paths active")), 1L, T0);
    List<Condition> second = Conditions.merge(first,
        List.of(Conditions.of("Degraded", true, "SessionDown", "n1: session on 10.20.1.180:3260 is FAILED")), 2L, T1);

    assertThat(second).singleElement().satisfies(c -> {
      assertThat(c.getLastTransitionTime()).isEqualTo("2025-03-01T10:00:00Z");
      assertThat(c.getObservedGeneration()).isEqualTo(2L);
      assertThat(c.getReason()).isEqualTo("SessionDown");
      assertThat(c.getMessage()).contains("FAILED");
    });
  }

  @Test
  void aChangedStatusGetsANewTransitionTime() {
    List<Condition> first = Conditions.merge(List.of(), List.of(Conditions.of("Ready", false, "Publishing", "")), 1L,
        T0);
    List<Condition> second = Conditions.merge(first, List.of(Conditions.of("Ready", true, "Ready", "")), 1L, T1);

    assertThat(second.get(0).getLastTransitionTime()).isEqualTo("2025-03-01T10:05:00Z");
    assertThat(second.get(0).getStatus()).isEqualTo("True");
  }

  @Test
  void aPreviousConditionWithoutTimeGetsOne() {
    Condition old = new ConditionBuilder().withType("Ready").withStatus("True").withReason("Ready").build();

    List<Condition> merged = Conditions.merge(List.of(old), List.of(Conditions.of("Ready", true, "Ready", "")), 4L, T1);

    assertThat(merged.get(0).getLastTransitionTime()).isEqualTo("2025-03-01T10:05:00Z");
  }

  @Test
  void eachTypeIsMatchedByTypeOnlyAndTheDesiredOrderIsKept() {
    List<Condition> before = Conditions.merge(List.of(), List.of(
        Conditions.of("Ready", false, "Publishing", ""),
        Conditions.of("Formatted", true, "Formatted", "")), 1L, T0);

    List<Condition> after = Conditions.merge(before, List.of(
        Conditions.of("Formatted", true, "Formatted", ""),
        Conditions.of("Ready", true, "Ready", ""),
        Conditions.of("Published", true, "PersistentVolumeCreated", "")), 2L, T1);

    assertThat(after).extracting(Condition::getType).containsExactly("Formatted", "Ready", "Published");
    assertThat(after).extracting(Condition::getLastTransitionTime)
        .containsExactly("2025-03-01T10:00:00Z", "2025-03-01T10:05:00Z", "2025-03-01T10:05:00Z");
    assertThat(after).extracting(Condition::getObservedGeneration).containsOnly(2L);
  }

  @Test
  void mergeDoesNotModifyItsInputs() {
    Condition desired = Conditions.of("Ready", true, "Ready", "");
    Conditions.merge(List.of(), List.of(desired), 9L, T0);

    assertThat(desired.getObservedGeneration()).isNull();
    assertThat(desired.getLastTransitionTime()).isNull();
  }

  @Test
  void findIsTrueAndReason() {
    List<Condition> cs = List.of(Conditions.of("Ready", false, "FormatInProgress", "waiting"),
        Conditions.of("Formatted", true, "Adopted", ""));

    assertThat(Conditions.find(cs, "Formatted")).hasValueSatisfying(c -> assertThat(c.getReason()).isEqualTo("Adopted"));
    assertThat(Conditions.find(cs, "Degraded")).isEmpty();
    assertThat(Conditions.find(null, "Ready")).isEmpty();
    assertThat(Conditions.isTrue(cs, "Formatted")).isTrue();
    assertThat(Conditions.isTrue(cs, "Ready")).isFalse();
    assertThat(Conditions.isTrue(cs, "Degraded")).isFalse();
    assertThat(Conditions.reason(cs, "Ready")).isEqualTo("FormatInProgress");
    assertThat(Conditions.reason(cs, "Published")).isEmpty();
  }
}
