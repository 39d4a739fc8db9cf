package io.ocfs2iscsi.operator.validation;

import io.ocfs2iscsi.contract.ValueRules;
import java.util.ArrayList;
import java.util.List;

/** Collects violations; each check names the field and the rule. */
final class Checks {

  private final List<Violation> violations = new ArrayList<>();

  List<Violation> violations() {
    return violations;
  }

  void add(String field, String message) {
    violations.add(new Violation(field, message));
  }

  boolean required(String field, Object value) {
    if (value == null) {
      add(field, "Required value");
      return false;
    }
    return true;
  }

  void pattern(String field, String value, String pattern, String rule) {
    if (value != null && !ValueRules.matches(pattern, value)) {
      add(field, "must be " + rule + ", got '" + value + "'");
    }
  }

  void maxLength(String field, String value, int max) {
    if (value != null && value.length() > max) {
      add(field, "must be at most " + max + " characters, got " + value.length());
    }
  }

  void range(String field, Integer value, int min, int max) {
    if (value != null && (value < min || value > max)) {
      add(field, "must be between " + min + " and " + max + ", got " + value);
    }
  }

  void size(String field, List<?> list, int min, int max) {
    int n = list == null ? 0 : list.size();
    if (n < min || n > max) {
      add(field, "must have " + min + " to " + max + " items, got " + n);
    }
  }
}
