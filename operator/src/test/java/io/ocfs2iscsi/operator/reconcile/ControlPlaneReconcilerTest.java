package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.testsupport.ControlPlane;
import io.ocfs2iscsi.testsupport.TestNamespace;
import io.ocfs2iscsi.testsupport.WithControlPlane;

/**
 * {@link RealApiServerScenarios} against the local control plane of e2e/control-plane (kube-apiserver,
 * kube-controller-manager and etcd of Kubernetes v1.36.3 on 127.0.0.1; built from Go modules, no Docker needed).
 */
@WithControlPlane
class ControlPlaneReconcilerTest extends RealApiServerScenarios {

  private final ControlPlane controlPlane;
  private final TestNamespace namespace;

  ControlPlaneReconcilerTest(ControlPlane controlPlane, TestNamespace namespace) {
    this.controlPlane = controlPlane;
    this.namespace = namespace;
  }

  @Override
  protected KubernetesClient client() {
    return controlPlane.client();
  }

  @Override
  protected KubernetesClient newClient() {
    return controlPlane.newClient();
  }

  @Override
  protected String namespace() {
    return namespace.name();
  }
}
