package io.ocfs2iscsi.operator.validation;

import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a volume's CHAP Secret may live: only in the namespaces the operator was given (the chart's
 * {@code operator.chapSecretNamespaces}, where its Roles let it read Secrets). A volume is cluster-scoped, so without
 * this its author could make the operator read, and send to a node, a Secret of any namespace.
 */
public final class ChapSecretNamespaces {

  private ChapSecretNamespaces() {}

  public static final String FIELD = "spec.target.chapSecretRef.namespace";

  /** Why the reference is refused; empty when there is none or its namespace is allowed. */
  public static Optional<String> refusal(SecretReference ref, Set<String> allowed) {
    if (ref == null || ref.getNamespace() == null || allowed.contains(ref.getNamespace())) {
      return Optional.empty();
    }
    return Optional.of(FIELD + ": '" + ref.getNamespace() + "' is not a namespace the operator reads CHAP Secrets"
        + " in; allowed: " + String.join(", ", new TreeSet<>(allowed)) + " (chart value"
        + " operator.chapSecretNamespaces): move the Secret there or add its namespace to that list");
  }
}
