package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Objects;

/** Whether a freshly computed status differs from the stored one; an unchanged status is not written again. */
final class StatusDiff {

  private StatusDiff() {}

  static boolean changed(Object before, Object after) {
    if (before == null || after == null) {
      return before != after;
    }
    return !Objects.equals(Serialization.asJson(before), Serialization.asJson(after));
  }
}
