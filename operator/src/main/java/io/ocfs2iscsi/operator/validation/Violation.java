package io.ocfs2iscsi.operator.validation;

/** One problem of a resource: the field path (e.g. spec.target.portals[1]) and the rule it breaks. */
public record Violation(String field, String message) {

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
