package io.ocfs2iscsi.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.ocfs2iscsi.contract.CsiDriver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Conditions of an Ocfs2Cluster: Ready (every member applied the current revision) and Prerequisites. */
public final class ClusterConditions {

  public static final String READY = "Ready";
  public static final String PREREQUISITES = "Prerequisites";

  private ClusterConditions() {}

  /** A spec that breaks a rule: Ready=False naming every violation. */
  public static List<Condition> invalid(String violations) {
    return List.of(Conditions.of(READY, false, ClusterReason.InvalidSpec, violations));
  }

  /** spec.stack differs from what formatted volumes record: Ready=False, nothing applied. */
  public static List<Condition> stackChangeRefused(String message) {
    return List.of(Conditions.of(READY, false, ClusterReason.StackChangeRefused, message));
  }

  /**
   * What one pass found out about the members.
   *
   * @param memberCount members that are not held
   * @param notApplied members that are Joining or Unreachable, as "node (State)"
   * @param failures why members did not apply the revision, or found no number
   * @param missing missing host prerequisites, as "node lacks item"
   * @param waitsForDeadTime a member marked out of service waits for o2cb's dead time to pass before its number is
   *     released
   */
  public record Members(
      int memberCount, List<String> notApplied, List<String> failures, List<String> missing,
      Map<String, String> nodeSelector, String revision, boolean waitsForDeadTime) {

    public Members(
        int memberCount, List<String> notApplied, List<String> failures, List<String> missing,
        Map<String, String> nodeSelector, String revision) {
      this(memberCount, notApplied, failures, missing, nodeSelector, revision, false);
    }

    /** Something is pending that a quick retry may fix. */
    public boolean pending() {
      return !notApplied.isEmpty() || !failures.isEmpty();
    }
  }

  public static List<Condition> of(Members m) {
    List<Condition> out = new ArrayList<>();
    if (m.memberCount() == 0) {
      out.add(Conditions.of(READY, false, ClusterReason.NoMembers, "no Ready node matches nodeSelector "
          + m.nodeSelector() + " with the node plugin registered (CSINode lists " + CsiDriver.NAME + ")"));
    } else if (m.pending()) {
      List<String> all = new ArrayList<>(m.notApplied());
      all.addAll(m.failures());
      out.add(Conditions.of(READY, false, ClusterReason.ClusterNotApplied, "not applied on: "
          + String.join("; ", all)));
    } else {
      out.add(Conditions.of(READY, true, ClusterReason.AllMembersApplied, m.memberCount()
          + " member(s) run revision " + m.revision()));
    }
    out.add(m.missing().isEmpty()
        ? Conditions.of(PREREQUISITES, true, ClusterReason.AllPresent, "every member has its host prerequisites")
        : Conditions.of(PREREQUISITES, false, ClusterReason.PrerequisitesMissing, String.join("; ", m.missing())));
    return out;
  }
}
