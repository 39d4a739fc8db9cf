package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.desired.PersistentVolumes;
import io.ocfs2iscsi.operator.status.VolumeAssessment;
import io.ocfs2iscsi.operator.status.VolumeReason;
import java.util.Map;
import java.util.Optional;

/**
 * The publish step of an IscsiSharedVolume: its PersistentVolume (and pre-bound claim), created once when missing,
 * and never over a PV that is not this volume's.
 */
final class VolumePublishing {

  private final KubernetesClient client;
  private final ReconcileSettings settings;
  private final EventRecorder events;
  private InformerEventSource<PersistentVolume, IscsiSharedVolume> cache;

  VolumePublishing(KubernetesClient client, ReconcileSettings settings, EventRecorder events) {
    this.client = client;
    this.settings = settings;
    this.events = events;
  }

  /** The informer of our PVs, read before asking the API server. */
  void readFrom(InformerEventSource<PersistentVolume, IscsiSharedVolume> persistentVolumes) {
    this.cache = persistentVolumes;
  }

  /** Creates the PV (and claim) when missing; returns false when publishing is blocked. */
  boolean publish(
      IscsiSharedVolume volume, Ocfs2Cluster cluster, VolumeSpec spec, IscsiSharedVolumeStatus status,
      VolumeAssessment a) {
    String pvName = PersistentVolumes.name(volume);
    Optional<PersistentVolume> cached = cache.get(new ResourceID(pvName));
    PersistentVolume existing = cached.orElseGet(() -> client.persistentVolumes().withName(pvName).get());
    if (existing != null && !ours(existing, volume)) {
      a.block(VolumeReason.PersistentVolumeConflict, "PersistentVolume " + pvName + " exists and does not belong"
          + " to this volume; set spec.persistentVolume.name");
      return false;
    }
    if (existing == null) {
      write(PersistentVolumes.volume(volume, cluster, spec));
      events.normal(volume, VolumeReason.Published, "PersistentVolume " + pvName + " created");
    }
    Optional<PersistentVolumeClaim> claim = PersistentVolumes.claim(volume);
    if (claim.isPresent() && !bound(existing)) {
      PersistentVolumeClaim c = claim.get();
      if (client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace())
          .withName(c.getMetadata().getName()).get() == null) {
        write(c);
        events.normal(volume, VolumeReason.ClaimCreated, "PersistentVolumeClaim " + c.getMetadata().getNamespace()
            + "/" + c.getMetadata().getName() + " pre-bound to " + pvName);
      }
    }
    status.setPersistentVolumeName(pvName);
    a.published(pvName);
    return true;
  }

  /** This volume's PersistentVolume as it is now (the informer's copy first); empty when missing or not ours. */
  Optional<PersistentVolume> current(IscsiSharedVolume volume) {
    String pvName = PersistentVolumes.name(volume);
    PersistentVolume pv = cache.get(new ResourceID(pvName))
        .orElseGet(() -> client.persistentVolumes().withName(pvName).get());
    return pv != null && ours(pv, volume) ? Optional.of(pv) : Optional.empty();
  }

  /** Sets the PV's capacity after the filesystem grew; the PV stays what it was otherwise. */
  void raiseCapacity(IscsiSharedVolume volume, String capacity) {
    client.persistentVolumes().withName(PersistentVolumes.name(volume)).edit(pv -> {
      pv.getSpec().getCapacity().put("storage", new io.fabric8.kubernetes.api.model.Quantity(capacity));
      return pv;
    });
  }

  /** The claim (namespace/name) this volume's PV is bound to, while it is; what deletion waits for. */
  Optional<String> boundClaim(IscsiSharedVolume volume, String pvName) {
    PersistentVolume pv = client.persistentVolumes().withName(pvName).get();
    if (pv != null && ours(pv, volume) && bound(pv) && pv.getSpec().getClaimRef() != null) {
      return Optional.of(pv.getSpec().getClaimRef().getNamespace() + "/" + pv.getSpec().getClaimRef().getName());
    }
    return Optional.empty();
  }

  private static boolean bound(PersistentVolume pv) {
    return pv != null && pv.getStatus() != null && "Bound".equals(pv.getStatus().getPhase());
  }

  private static boolean ours(PersistentVolume pv, IscsiSharedVolume volume) {
    Map<String, String> labels = pv.getMetadata().getLabels();
    return labels != null && volume.getMetadata().getName().equals(labels.get(PersistentVolumes.VOLUME_LABEL));
  }

  private void write(HasMetadata desired) {
    try {
      if (settings.serverSideApply()) {
        client.resource(desired).fieldManager(ReconcileSettings.FIELD_MANAGER).forceConflicts().serverSideApply();
      } else {
        client.resource(desired).create();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }
}
