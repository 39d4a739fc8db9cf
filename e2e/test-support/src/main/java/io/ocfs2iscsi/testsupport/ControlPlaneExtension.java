package io.ocfs2iscsi.testsupport;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Starts the real local control plane once per JVM (the first test class that needs it pays the start, about 10 s
 * once built) and hands tests a {@link ControlPlane}, a {@link KubernetesClient} or a fresh {@link TestNamespace}.
 * It is registered in JUnit's root store, so it stops when the whole test run ends (and at the latest on JVM exit).
 *
 * <p>The checkout is found through the system property {@code project.root} or by walking up from the working
 * directory to the one holding {@code e2e/control-plane/build}. Logs go to {@code target/control-plane/<pid>/} of the
 * module under test.
 */
public final class ControlPlaneExtension implements BeforeAllCallback, ParameterResolver {

  private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ControlPlaneExtension.class);

  private static ControlPlane shared;
  private static RuntimeException failure;

  /** The JVM's control plane, started on first use; fails (never skips) if it cannot be built or started. */
  public static synchronized ControlPlane controlPlane(ExtensionContext context) {
    if (failure != null) {
      throw new ControlPlaneUnavailableException(failure.getMessage(), failure);
    }
    if (shared == null || shared.isClosed()) {
      try {
        shared = ControlPlane.start(projectRoot(), workDir());
      } catch (RuntimeException e) {
        failure = e;
        throw e;
      }
    }
    ControlPlane cp = shared;
    context.getRoot().getStore(NS).getOrComputeIfAbsent(ControlPlane.class, k -> cp, ControlPlane.class);
    return cp;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    controlPlane(context);
  }

  @Override
  public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == ControlPlane.class || type == KubernetesClient.class || type == TestNamespace.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
    ControlPlane cp = controlPlane(extensionContext);
    Class<?> type = parameterContext.getParameter().getType();
    if (type == ControlPlane.class) {
      return cp;
    }
    if (type == KubernetesClient.class) {
      return cp.client();
    }
    String base = "t-" + extensionContext.getTestMethod().map(m -> m.getName())
        .orElseGet(() -> extensionContext.getRequiredTestClass().getSimpleName());
    String name = ControlPlane.uniqueName(base);
    try {
      cp.client().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name)
          .addToLabels("test-support.ocfs2iscsi.io/test", "true").endMetadata().build()).create();
    } catch (KubernetesClientException e) {
      throw new ParameterResolutionException("cannot create test namespace " + name + ": " + e.getMessage(), e);
    }
    extensionContext.getStore(NS).put(TestNamespace.class.getName() + "/" + name, new NamespaceDeleter(cp, name));
    return new TestNamespace(name);
  }

  /** Deletes a test namespace when its test (or class) is done; the namespace controller empties it. */
  @SuppressWarnings("deprecation")
  private record NamespaceDeleter(ControlPlane cp, String name)
      implements ExtensionContext.Store.CloseableResource, AutoCloseable {
    @Override
    public void close() {
      if (!cp.isClosed()) {
        cp.client().namespaces().withName(name).delete();
      }
    }
  }

  static Path projectRoot() {
    String property = System.getProperty("project.root");
    if (property != null && !property.isBlank()) {
      Path p = Path.of(property).toAbsolutePath().normalize();
      if (Files.exists(p.resolve("e2e/control-plane/build"))) {
        return p;
      }
    }
    Path start = Path.of(System.getProperty("user.dir")).toAbsolutePath().normalize();
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.exists(p.resolve("e2e/control-plane/build"))) {
        return p;
      }
    }
    throw new ControlPlaneUnavailableException("cannot find e2e/control-plane/build above " + start
        + (property != null ? " nor under project.root=" + property : "")
        + ": run the tests from the checkout (mvn -f <checkout>/pom.xml ...)");
  }

  static Path workDir() {
    Path target = Path.of(System.getProperty("user.dir"), "target");
    Path base = Files.isDirectory(target) ? target.resolve("control-plane")
        : Path.of(System.getProperty("java.io.tmpdir"), "control-plane-logs");
    return base.resolve(Long.toString(ProcessHandle.current().pid()));
  }
}
