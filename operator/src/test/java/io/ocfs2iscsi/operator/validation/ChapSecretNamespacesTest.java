package io.ocfs2iscsi.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChapSecretNamespacesTest {

  private static final Set<String> ALLOWED = Set.of("ocfs2iscsi-system", "tenant-a");

  @Test
  void aSecretInAnAllowedNamespaceOrNoSecretPasses() {
    assertThat(ChapSecretNamespaces.refusal(new SecretReference("tenant-a", "chap"), ALLOWED)).isEmpty();
    assertThat(ChapSecretNamespaces.refusal(null, ALLOWED)).isEmpty();
  }

  @Test
  void anyOtherNamespaceIsRefusedNamingTheFieldAndTheAllowedOnes() {
    String why = ChapSecretNamespaces.refusal(new SecretReference("kube-system", "bootstrap-token"), ALLOWED)
        .orElseThrow();

    assertThat(why).startsWith("spec.target.chapSecretRef.namespace: 'kube-system'")
        .contains("allowed: ocfs2iscsi-system, tenant-a").contains("operator.chapSecretNamespaces");
  }
}
