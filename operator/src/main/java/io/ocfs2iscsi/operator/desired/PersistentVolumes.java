package io.ocfs2iscsi.operator.desired;

import io.fabric8.kubernetes.api.model.NodeSelectorRequirement;
import io.fabric8.kubernetes.api.model.NodeSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecretReferenceBuilder;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.operator.api.v1alpha1.ClaimSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.PersistentVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The PersistentVolume (and optional pre-bound claim) that publishes a formatted volume. The PV's CSI source and
 * node affinity are immutable once created, so both are derived from things that do not change: the volume spec
 * with the pinned WWID, and the cluster's nodeSelector (every node it selects runs the plugin and joins o2cb).
 */
public final class PersistentVolumes {

  public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "iscsi-ocfs2-operator";
  public static final String VOLUME_LABEL = "ocfs2iscsi.io/volume";

  private PersistentVolumes() {}

  /** spec.persistentVolume.name, or the resource name. */
  public static String name(IscsiSharedVolume volume) {
    PersistentVolumeSpec pv = volume.getSpec().getPersistentVolume();
    return pv.getName() != null ? pv.getName() : volume.getMetadata().getName();
  }

  public static Map<String, String> labels(IscsiSharedVolume volume) {
    return Map.of(MANAGED_BY_LABEL, MANAGED_BY, VOLUME_LABEL, volume.getMetadata().getName());
  }

  public static PersistentVolume volume(IscsiSharedVolume volume, Ocfs2Cluster cluster, VolumeSpec agentSpec) {
    PersistentVolumeSpec spec = volume.getSpec().getPersistentVolume();
    PersistentVolumeBuilder pv = new PersistentVolumeBuilder()
        .withNewMetadata()
          .withName(name(volume))
          .withLabels(labels(volume))
          .withOwnerReferences(new OwnerReferenceBuilder()
              .withApiVersion(volume.getApiVersion())
              .withKind(volume.getKind())
              .withName(volume.getMetadata().getName())
              .withUid(volume.getMetadata().getUid())
              .withController(true)
              .withBlockOwnerDeletion(true)
              .build())
        .endMetadata()
        .withNewSpec()
          .withCapacity(Map.of("storage", new Quantity(spec.getCapacity())))
          .withAccessModes("ReadWriteMany")
          .withVolumeMode("Filesystem")
          .withPersistentVolumeReclaimPolicy(spec.getReclaimPolicy().name())
          .withStorageClassName(storageClass(volume))
          .withNewCsi()
            .withDriver(CsiDriver.NAME)
            .withVolumeHandle(volume.getMetadata().getName())
            .withFsType("ocfs2")
            .withVolumeAttributes(new TreeMap<>(VolumeContextCodec.encode(agentSpec)))
          .endCsi()
        .endSpec();
    SecretReference chap = volume.getSpec().getTarget().getChapSecretRef();
    if (chap != null) {
      pv.editSpec().editCsi()
          .withNodeStageSecretRef(new SecretReferenceBuilder()
              .withNamespace(chap.getNamespace()).withName(chap.getName()).build())
          .endCsi().endSpec();
    }
    ClaimSpec claim = spec.getClaim();
    if (claim != null) {
      pv.editSpec().withClaimRef(new ObjectReferenceBuilder()
          .withApiVersion("v1").withKind("PersistentVolumeClaim")
          .withNamespace(claim.getNamespace()).withName(claim.getName())
          .build()).endSpec();
    }
    List<NodeSelectorRequirement> affinity = cluster.getSpec().getNodeSelector().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .map(e -> new NodeSelectorRequirementBuilder()
            .withKey(e.getKey()).withOperator("In").withValues(e.getValue()).build())
        .toList();
    if (!affinity.isEmpty()) {
      pv.editSpec().withNewNodeAffinity().withNewRequired().addNewNodeSelectorTerm()
          .withMatchExpressions(affinity)
          .endNodeSelectorTerm().endRequired().endNodeAffinity().endSpec();
    }
    return pv.build();
  }

  /** The claim pre-bound to the PV, when spec.persistentVolume.claim is set. */
  public static Optional<PersistentVolumeClaim> claim(IscsiSharedVolume volume) {
    PersistentVolumeSpec spec = volume.getSpec().getPersistentVolume();
    ClaimSpec claim = spec.getClaim();
    if (claim == null) {
      return Optional.empty();
    }
    return Optional.of(new PersistentVolumeClaimBuilder()
        .withNewMetadata()
          .withNamespace(claim.getNamespace())
          .withName(claim.getName())
          .withLabels(labels(volume))
        .endMetadata()
        .withNewSpec()
          .withAccessModes("ReadWriteMany")
          .withVolumeMode("Filesystem")
          .withStorageClassName(storageClass(volume))
          .withVolumeName(name(volume))
          .withNewResources().withRequests(Map.of("storage", new Quantity(spec.getCapacity()))).endResources()
        .endSpec()
        .build());
  }

  /** Empty string, not null: a PVC without a class would get the cluster's default class and never bind. */
  private static String storageClass(IscsiSharedVolume volume) {
    String sc = volume.getSpec().getPersistentVolume().getStorageClassName();
    return sc == null ? "" : sc;
  }
}
