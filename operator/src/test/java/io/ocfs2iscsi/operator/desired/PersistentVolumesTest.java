package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PersistentVolumesTest {

  private static final String WWID = "36001405c0ffee0000000000000000001";

  /** The example volume after its WWID was pinned (what the reconciler publishes). */
  private static IscsiSharedVolume formatted() {
    IscsiSharedVolume v = ExampleResources.volume();
    IscsiSharedVolumeStatus status = new IscsiSharedVolumeStatus();
    status.setWwid(WWID);
    v.setStatus(status);
    return v;
  }

  private static PersistentVolume render(IscsiSharedVolume v, Ocfs2Cluster c) {
    return PersistentVolumes.volume(v, c, AgentVolumeSpecs.of(v, c.getSpec().getClusterName(), ClusterStackKind.CLUSTER_STACK_O2CB));
  }

  @Test
  void theReferenceVolumeRendersAsTheGoldenPersistentVolume() {
    PersistentVolume expected =
        Serialization.unmarshal(ExampleResources.golden("pv-mylun.yaml"), PersistentVolume.class);

    PersistentVolume actual = render(formatted(), ExampleResources.cluster());

    assertThat(actual).as("rendered:%n%s", Serialization.asYaml(actual)).isEqualTo(expected);
  }

  @Test
  void theReferenceClaimRendersAsTheGoldenClaim() {
    PersistentVolumeClaim expected =
        Serialization.unmarshal(ExampleResources.golden("pvc-shared-data.yaml"), PersistentVolumeClaim.class);

    assertThat(PersistentVolumes.claim(formatted()))
        .hasValueSatisfying(c -> assertThat(c).as("rendered:%n%s", Serialization.asYaml(c)).isEqualTo(expected));
  }

  @Test
  void nameIsSpecPersistentVolumeNameElseTheResourceName() {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getSpec().getPersistentVolume().setName("shared-pv");
    assertThat(PersistentVolumes.name(v)).isEqualTo("shared-pv");

    v.getSpec().getPersistentVolume().setName(null);
    v.getMetadata().setName("other");
    assertThat(PersistentVolumes.name(v)).isEqualTo("other");
  }

  @Test
  void volumeHandleIsTheResourceNameEvenWhenThePvIsNamedOtherwise() {
    IscsiSharedVolume v = formatted();
    v.getSpec().getPersistentVolume().setName("shared-pv");

    PersistentVolume pv = render(v, ExampleResources.cluster());

    assertThat(pv.getMetadata().getName()).isEqualTo("shared-pv");
    assertThat(pv.getSpec().getCsi().getVolumeHandle()).isEqualTo("mylun");
    assertThat(pv.getMetadata().getLabels()).containsEntry(PersistentVolumes.VOLUME_LABEL, "mylun");
  }

  @Test
  void labelsAndOwnerReferencePointAtTheVolume() {
    PersistentVolume pv = render(formatted(), ExampleResources.cluster());

    assertThat(pv.getMetadata().getLabels()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "app.kubernetes.io/managed-by", "iscsi-ocfs2-operator", "ocfs2iscsi.io/volume", "mylun"));
    OwnerReference owner = pv.getMetadata().getOwnerReferences().get(0);
    assertThat(pv.getMetadata().getOwnerReferences()).hasSize(1);
    assertThat(owner.getApiVersion()).isEqualTo("ocfs2iscsi.io/v1alpha1");
    assertThat(owner.getKind()).isEqualTo("IscsiSharedVolume");
    assertThat(owner.getName()).isEqualTo("mylun");
    assertThat(owner.getUid()).isEqualTo("0b0c4d1e-5f6a-4b7c-8d9e-0f1a2b3c4d5e");
    assertThat(owner.getController()).isTrue();
    assertThat(owner.getBlockOwnerDeletion()).isTrue();
  }

  @Test
  void sharedFilesystemRetainedCsiVolume() {
    PersistentVolume pv = render(formatted(), ExampleResources.cluster());

    assertThat(pv.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
    assertThat(pv.getSpec().getVolumeMode()).isEqualTo("Filesystem");
    assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
    assertThat(pv.getSpec().getCapacity()).containsEntry("storage", new Quantity("2Gi"));
    assertThat(pv.getSpec().getStorageClassName()).isEmpty();
    assertThat(pv.getSpec().getCsi().getDriver()).isEqualTo("csi.ocfs2iscsi.io");
    assertThat(pv.getSpec().getCsi().getFsType()).isEqualTo("ocfs2");
  }

  @Test
  void volumeAttributesDecodeBackToTheAgentSpec() {
    IscsiSharedVolume v = formatted();
    VolumeSpec agentSpec = AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);
    PersistentVolume pv = PersistentVolumes.volume(v, ExampleResources.cluster(), agentSpec);

    VolumeSpec decoded = VolumeContextCodec.decode(pv.getSpec().getCsi().getVolumeHandle(),
        pv.getSpec().getCsi().getVolumeAttributes());

    assertThat(decoded).isEqualTo(agentSpec);
    assertThat(decoded.getMultipath().getWwid()).isEqualTo(WWID);
    assertThat(decoded.getFilesystem().getMountOptionsList()).containsExactly("noatime", "acl", "user_xattr");
  }

  @Test
  void volumeAttributesRoundTripWithNonDefaultValuesToo() {
    IscsiSharedVolume v = formatted();
    v.getSpec().getMultipath().setNoPathRetry("fail");
    v.getSpec().getMultipath().setPollingIntervalSeconds(7);
    v.getSpec().getFilesystem().setNodeSlots(16);
    v.getSpec().getFilesystem().setLabel(null);
    v.getSpec().getTarget().setChapSecretRef(new SecretReference("storage", "chap"));
    VolumeSpec agentSpec = AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    PersistentVolume pv = PersistentVolumes.volume(v, ExampleResources.cluster(), agentSpec);

    assertThat(VolumeContextCodec.decode("mylun", pv.getSpec().getCsi().getVolumeAttributes())).isEqualTo(agentSpec);
    assertThat(pv.getSpec().getCsi().getVolumeAttributes())
        .containsEntry("noPathRetry", "fail").containsEntry("nodeSlots", "16").containsEntry("chap", "true");
  }

  @Test
  void nodeStageSecretRefOnlyWithChap() {
    assertThat(render(formatted(), ExampleResources.cluster()).getSpec().getCsi().getNodeStageSecretRef()).isNull();

    IscsiSharedVolume v = formatted();
    v.getSpec().getTarget().setChapSecretRef(new SecretReference("storage", "san-chap"));
    PersistentVolume pv = render(v, ExampleResources.cluster());

    assertThat(pv.getSpec().getCsi().getNodeStageSecretRef().getNamespace()).isEqualTo("storage");
    assertThat(pv.getSpec().getCsi().getNodeStageSecretRef().getName()).isEqualTo("san-chap");
    assertThat(pv.getSpec().getCsi().getVolumeAttributes()).containsEntry("chap", "true");
  }

  @Test
  void withoutAClaimThereIsNoClaimRefAndNoClaim() {
    IscsiSharedVolume v = formatted();
    v.getSpec().getPersistentVolume().setClaim(null);

    assertThat(render(v, ExampleResources.cluster()).getSpec().getClaimRef()).isNull();
    assertThat(PersistentVolumes.claim(v)).isEmpty();
  }

  @Test
  void theClaimIsPreBoundToThePvAndThePvReservedForTheClaim() {
    IscsiSharedVolume v = formatted();
    v.getSpec().getPersistentVolume().setName("shared-pv");
    v.getSpec().getPersistentVolume().setStorageClassName("ocfs2-static");

    PersistentVolume pv = render(v, ExampleResources.cluster());
    PersistentVolumeClaim claim = PersistentVolumes.claim(v).orElseThrow();

    assertThat(pv.getSpec().getClaimRef().getNamespace()).isEqualTo("default");
    assertThat(pv.getSpec().getClaimRef().getName()).isEqualTo("shared-data");
    assertThat(pv.getSpec().getClaimRef().getKind()).isEqualTo("PersistentVolumeClaim");
    assertThat(claim.getMetadata().getNamespace()).isEqualTo("default");
    assertThat(claim.getMetadata().getName()).isEqualTo("shared-data");
    assertThat(claim.getSpec().getVolumeName()).isEqualTo("shared-pv");
    assertThat(claim.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
    assertThat(claim.getSpec().getVolumeMode()).isEqualTo("Filesystem");
    assertThat(claim.getSpec().getResources().getRequests()).containsEntry("storage", new Quantity("2Gi"));
    assertThat(claim.getSpec().getStorageClassName()).isEqualTo("ocfs2-static");
    assertThat(pv.getSpec().getStorageClassName()).isEqualTo("ocfs2-static");
  }

  @Test
  void nodeAffinityRequiresEveryNodeSelectorLabelInOneTerm() {
    Ocfs2Cluster c = ExampleResources.cluster();
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put("zone", "a");
    selector.put("ocfs2iscsi.io/member", "true");
    c.getSpec().setNodeSelector(selector);

    PersistentVolume pv = render(formatted(), c);

    assertThat(pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTerms()).singleElement()
        .satisfies(term -> assertThat(term.getMatchExpressions())
            .extracting(NodeSelectorRequirement::getKey, NodeSelectorRequirement::getOperator,
                NodeSelectorRequirement::getValues)
            .containsExactly(
                org.assertj.core.groups.Tuple.tuple("ocfs2iscsi.io/member", "In", java.util.List.of("true")),
                org.assertj.core.groups.Tuple.tuple("zone", "In", java.util.List.of("a"))));
  }

  @Test
  void anEmptyNodeSelectorMeansNoNodeAffinity() {
    Ocfs2Cluster c = ExampleResources.cluster();
    c.getSpec().setNodeSelector(Map.of());

    assertThat(render(formatted(), c).getSpec().getNodeAffinity()).isNull();
  }
}
