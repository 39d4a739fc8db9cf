package io.ocfs2iscsi.testsupport;

/**
 * A namespace created for one test (or, when injected into a constructor or {@code @BeforeAll} method, for one test
 * class) and deleted afterwards. {@link #uniqueName(String)} gives names for cluster-scoped objects that no other
 * test of the run uses.
 */
public record TestNamespace(String name) {

  /** {@code base-<n>}, unique in this JVM, at most 63 characters. */
  public String uniqueName(String base) {
    return ControlPlane.uniqueName(base);
  }

  @Override
  public String toString() {
    return name;
  }
}
