package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.MultipathSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.TargetSpec;

/** The node agent's view of a volume (and, encoded, the PV's volume_context), derived from the resource. */
public final class AgentVolumeSpecs {

  private AgentVolumeSpecs() {}

  /**
   * @param clusterName the o2cb cluster name of the volume's Ocfs2Cluster
   * @param stack the cluster stack the volume is (to be) formatted for ({@link VolumeStacks})
   */
  public static VolumeSpec of(IscsiSharedVolume volume, String clusterName, ClusterStackKind stack) {
    TargetSpec target = volume.getSpec().getTarget();
    SessionSpec session = target.getSession() == null ? new SessionSpec() : target.getSession();
    MultipathSpec mp = volume.getSpec().getMultipath() == null ? new MultipathSpec() : volume.getSpec().getMultipath();
    FilesystemSpec fs = volume.getSpec().getFilesystem();
    return VolumeSpec.newBuilder()
        .setVolumeId(volume.getMetadata().getName())
        .setTarget(IscsiTarget.newBuilder()
            .setIqn(target.getIqn())
            .setLun(target.getLun())
            .addAllPortals(target.getPortals())
            .putAllPortalInterfaces(portalInterfaces(target))
            .setReplacementTimeoutSeconds(session.getReplacementTimeoutSeconds())
            .setNoopOutIntervalSeconds(session.getNoopOutIntervalSeconds())
            .setNoopOutTimeoutSeconds(session.getNoopOutTimeoutSeconds())
            .setStartup(session.getStartup().value())
            .setChap(target.getChapSecretRef() != null))
        .setMultipath(MultipathSettings.newBuilder()
            .setAlias(volume.effectiveAlias())
            .setWwid(pinnedWwid(volume))
            .setPathGroupingPolicy(mp.getPathGroupingPolicy().value())
            .setPathSelector(mp.getPathSelector().value())
            .setPathChecker(mp.getPathChecker().value())
            .setPollingIntervalSeconds(mp.getPollingIntervalSeconds())
            .setFailback(mp.getFailback())
            .setNoPathRetry(mp.getNoPathRetry()))
        .setFilesystem(FilesystemSettings.newBuilder()
            .setClusterName(clusterName)
            .setLabel(fs.getLabel() == null ? "" : fs.getLabel())
            .setBlockSize(fs.getBlockSize().value())
            .setClusterSize(fs.getClusterSize().value())
            .setNodeSlots(fs.getNodeSlots())
            .addAllMountOptions(fs.getMountOptions())
            .setClusterStack(stack))
        .build();
  }

  /** spec.multipath.wwid, else the WWID the operator pinned in status, else empty (discover). */
  static String pinnedWwid(IscsiSharedVolume volume) {
    MultipathSpec mp = volume.getSpec().getMultipath();
    if (mp != null && mp.getWwid() != null) {
      return mp.getWwid();
    }
    if (volume.getStatus() != null && volume.getStatus().getWwid() != null) {
      return volume.getStatus().getWwid();
    }
    return "";
  }

  private static java.util.Map<String, String> portalInterfaces(TargetSpec target) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    if (target.getPortalInterfaces() != null) {
      target.getPortalInterfaces().forEach(b -> out.put(b.getPortal(), b.getIface()));
    }
    return out;
  }
}
