package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.operator.CommittedCrds;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.run.OperatorRuntime;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.testsupport.FakeKubelets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The reconcile scenarios against a real API server with its controllers: kube-apiserver (schema and CEL validation,
 * server-side apply, status subresource), kube-controller-manager (the PV binder binds the pre-bound claim, the
 * garbage collector removes the PV with its owner, the node lifecycle controller watches the fake nodes, whose
 * {@link FakeKubelets} therefore renew their kube-node-lease Leases). Plus leader election on a real Lease. A subclass
 * says which server: the local control plane, or k3s in a container.
 */
abstract class RealApiServerScenarios extends ReconcilerScenarios {

  private FakeKubelets kubelets;

  @BeforeAll
  void installCrdsAndStartKubelets() {
    CommittedCrds.install(client(), "reconciler-test");
    kubelets = new FakeKubelets(client(), CsiDriver.NAME, true);
  }

  @AfterAll
  void stopKubelets() {
    kubelets.close();
  }

  @Override
  protected FakeKubelets kubelets() {
    return kubelets;
  }

  @Override
  protected boolean serverSideApply() {
    return true;
  }

  @Override
  protected void bound(String pvName) {
    awaitPhase(pvName, "Bound");
  }

  @Override
  protected void released(String pvName) {
    // Released, or already collected with its owner.
    await().atMost(WAIT).until(() -> {
      PersistentVolume pv = client().persistentVolumes().withName(pvName).get();
      return pv == null || pv.getStatus() != null && !"Bound".equals(pv.getStatus().getPhase());
    });
  }

  private void awaitPhase(String pvName, String phase) {
    await().atMost(WAIT).untilAsserted(() -> {
      PersistentVolume pv = client().persistentVolumes().withName(pvName).get();
      assertThat(pv).isNotNull();
      assertThat(pv.getStatus()).isNotNull();
      assertThat(pv.getStatus().getPhase()).as("phase of PV %s (set by the real binder)", pvName).isEqualTo(phase);
    });
  }

  @Override
  protected void invalidVolumeIsRefusedOrReported(IscsiSharedVolume invalid) {
    assertThatThrownBy(() -> client().resource(invalid).create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec.target.iqn")
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422));
  }

  @Test
  void theGarbageCollectorRemovesThePvWithItsVolume() {
    cluster();
    node(1);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> v.getSpec().getPersistentVolume().setClaim(null));
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Published"));
    String pv = volume.getMetadata().getName();
    assertThat(client().persistentVolumes().withName(pv).get()).isNotNull();

    client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).delete();
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).get()).isNull();
      assertThat(client().persistentVolumes().withName(pv).get()).as("PV collected with its owner").isNull();
    });
    assertThat(san.mkfsCount(lunKey(volume))).as("deleting touched no data").isEqualTo(1);
  }

  @Test
  void onlyTheLeaderReconcilesAndTheOtherTakesOverWithoutFormattingAgain() {
    OperatorRuntime.LeaderElection fast =
        new OperatorRuntime.LeaderElection(Duration.ofSeconds(6), Duration.ofSeconds(4), Duration.ofSeconds(1));
    cluster();
    node(1);
    node(2);
    mount(1, 2);
    Instance first = start("op-a", fast);
    await().atMost(WAIT).until(() -> leaderHolder().equals("op-a"));
    Instance second = start("op-b", fast);
    IscsiSharedVolume volume = volume(v -> {});
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    long polls = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= polls + 3);
    assertThat(first.reconciles()).isPositive();
    assertThat(second.reconciles()).as("the standby reconciles nothing").isZero();

    first.kill();
    await().atMost(WAIT).until(() -> leaderHolder().equals("op-b"));
    touch(volume);
    await().atMost(WAIT).until(() -> second.reconciles() > 0);
    long polls2 = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= polls2 + 3);
    IscsiSharedVolume after = awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    assertThat(totalFormatCalls()).as("the new leader formats nothing").isEqualTo(1);
    assertThat(san.mkfsCount(lunKey(volume))).isEqualTo(1);
    assertThat(after.getStatus().getFormatted().getAdopted()).isFalse();
  }

  private String leaderHolder() {
    var lease = client().leases().inNamespace(namespace()).withName(OperatorRuntime.LEADER_LEASE).get();
    return lease == null || lease.getSpec().getHolderIdentity() == null ? "" : lease.getSpec().getHolderIdentity();
  }
}
