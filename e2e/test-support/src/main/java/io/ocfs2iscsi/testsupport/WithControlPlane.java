package io.ocfs2iscsi.testsupport;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs the annotated test class against the real local control plane ({@code e2e/control-plane}), started once per
 * JVM and shared by every test class of the run. Test constructors, lifecycle methods and test methods can declare
 * parameters of type {@link ControlPlane}, {@link io.fabric8.kubernetes.client.KubernetesClient} (shared admin
 * client, do not close it) and {@link TestNamespace} (a fresh namespace, deleted afterwards).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(ControlPlaneExtension.class)
public @interface WithControlPlane {}
