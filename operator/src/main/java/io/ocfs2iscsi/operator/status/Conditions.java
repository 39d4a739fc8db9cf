package io.ocfs2iscsi.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The one place conditions are written. A condition whose status did not change keeps its lastTransitionTime, so
 * a steady poll never looks like a transition; every condition carries the generation it was computed from.
 */
public final class Conditions {

  public static final String TRUE = "True";
  public static final String FALSE = "False";

  private Conditions() {}

  public static Condition of(String type, boolean status, Reason reason, String message) {
    return of(type, status, reason.name(), message);
  }

  static Condition of(String type, boolean status, String reason, String message) {
    return new ConditionBuilder()
        .withType(type).withStatus(status ? TRUE : FALSE).withReason(reason).withMessage(message).build();
  }

  /** The desired conditions, stamped with generation and carrying forward transition times from previous. */
  public static List<Condition> merge(List<Condition> previous, List<Condition> desired, Long generation, Instant now) {
    List<Condition> out = new ArrayList<>();
    String stamp = now.truncatedTo(ChronoUnit.SECONDS).toString();
    for (Condition d : desired) {
      Optional<Condition> before = find(previous, d.getType());
      boolean sameStatus = before.map(b -> Objects.equals(b.getStatus(), d.getStatus())).orElse(false);
      out.add(new ConditionBuilder(d)
          .withObservedGeneration(generation)
          .withLastTransitionTime(sameStatus && before.get().getLastTransitionTime() != null
              ? before.get().getLastTransitionTime() : stamp)
          .build());
    }
    return out;
  }

  public static Optional<Condition> find(List<Condition> conditions, String type) {
    return conditions == null ? Optional.empty()
        : conditions.stream().filter(c -> type.equals(c.getType())).findFirst();
  }

  public static boolean isTrue(List<Condition> conditions, String type) {
    return find(conditions, type).map(c -> TRUE.equals(c.getStatus())).orElse(false);
  }

  /** Whether the condition of that type is present with that reason. */
  public static boolean hasReason(List<Condition> conditions, String type, Reason reason) {
    return reason.name().equals(reason(conditions, type));
  }

  /** Reason of a condition, or empty when absent. */
  public static String reason(List<Condition> conditions, String type) {
    return find(conditions, type).map(Condition::getReason).orElse("");
  }
}
