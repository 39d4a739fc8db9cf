package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.testsupport.FakeKubelets;

/**
 * The reconcile scenarios against fabric8's mock API server in CRUD mode. It has no server-side apply (so the
 * operator runs with it off), no schema validation (so an invalid volume is stored and the operator must report
 * it), no PV binder (so the tests mark PVs Bound and Released as the binder would) and no garbage collector.
 */
@EnableKubernetesMockClient(crud = true)
class MockServerReconcilerTest extends ReconcilerScenarios {

  static KubernetesClient client;
  static KubernetesMockServer server;

  private FakeKubelets kubelets;

  @Override
  protected FakeKubelets kubelets() {
    if (kubelets == null) {
      kubelets = new FakeKubelets(client, CsiDriver.NAME, false);
    }
    return kubelets;
  }

  @Override
  protected KubernetesClient client() {
    return client;
  }

  @Override
  protected KubernetesClient newClient() {
    return server.createClient();
  }

  @Override
  protected String namespace() {
    return "default";
  }

  @Override
  protected boolean serverSideApply() {
    return false;
  }

  @Override
  protected void bound(String pvName) {
    phase(pvName, "Bound");
  }

  @Override
  protected void released(String pvName) {
    phase(pvName, "Released");
  }

  private void phase(String pvName, String phase) {
    PersistentVolume pv = client.persistentVolumes().withName(pvName).get();
    pv.setStatus(new PersistentVolumeStatusBuilder().withPhase(phase).build());
    client.persistentVolumes().resource(pv).updateStatus();
  }

  @Override
  protected void invalidVolumeIsRefusedOrReported(IscsiSharedVolume invalid) {
    IscsiSharedVolume created = client.resource(invalid).create();
    IscsiSharedVolume reported = awaitVolume(created,
        x -> "InvalidSpec".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(reported.getStatus().getConditions(), "Ready").get().getMessage())
        .contains("spec.target.iqn");
    await().untilAsserted(() -> assertThat(events(created.getMetadata().getName(), "InvalidSpec")).hasSize(1));

    // No retry storm: the invalid volume is not reconciled again until its spec changes.
    long reconciles = runtimes().get(0).reconciles();
    await().pollDelay(java.time.Duration.ofSeconds(3)).until(() -> true);
    assertThat(runtimes().get(0).reconciles()).isLessThanOrEqualTo(reconciles + 2);
    assertThat(events(created.getMetadata().getName(), "InvalidSpec")).hasSize(1);
    assertThat(client.persistentVolumes().withName(created.getMetadata().getName()).get()).isNull();
    client.resources(IscsiSharedVolume.class).withName(created.getMetadata().getName()).edit(x -> {
      x.getMetadata().setFinalizers(java.util.List.of());
      return x;
    });
    client.resources(IscsiSharedVolume.class).withName(created.getMetadata().getName()).delete();
  }
}
