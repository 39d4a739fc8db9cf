package io.ocfs2iscsi.e2e.kernel;

import csi.v1.NodeGetVolumeStatsRequest;
import csi.v1.NodeGetVolumeStatsResponse;
import csi.v1.NodePublishVolumeRequest;
import csi.v1.NodeStageVolumeRequest;
import csi.v1.NodeUnpublishVolumeRequest;
import csi.v1.NodeUnstageVolumeRequest;
import csi.v1.VolumeCapability;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Kubelet's side, played where no kubelet runs: the CSI Node calls kubelet makes for a pod, with kubelet's paths,
 * against the plugins of a {@link PluginBed}.
 */
public final class Kubelet {

  private final PluginBed plugins;

  public Kubelet(PluginBed plugins) {
    this.plugins = plugins;
  }

  public static String stagingPath(String volumeId) {
    return "/var/lib/kubelet/plugins/kubernetes.io/csi/csi.ocfs2iscsi.io/" + volumeId + "/globalmount";
  }

  public static String publishPath(String volumeId, String pod) {
    return "/var/lib/kubelet/pods/" + pod + "/volumes/kubernetes.io~csi/pv-" + volumeId + "/mount";
  }

  public static VolumeCapability capability() {
    return VolumeCapability.newBuilder()
        .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ocfs2"))
        .setAccessMode(VolumeCapability.AccessMode.newBuilder()
            .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
        .build();
  }

  public static NodeStageVolumeRequest stageRequest(VolumeSpec spec) {
    return stageRequest(spec.getVolumeId(), VolumeContextCodec.encode(spec));
  }

  /** As kubelet builds it from a PV: volume handle and the PV's {@code csi.volumeAttributes} as the context. */
  public static NodeStageVolumeRequest stageRequest(String volumeId, Map<String, String> volumeContext) {
    return NodeStageVolumeRequest.newBuilder()
        .setVolumeId(volumeId)
        .setStagingTargetPath(stagingPath(volumeId))
        .setVolumeCapability(capability())
        .putAllVolumeContext(volumeContext)
        .build();
  }

  public static NodePublishVolumeRequest publishRequest(VolumeSpec spec, String pod) {
    return publishRequest(spec.getVolumeId(), VolumeContextCodec.encode(spec), pod);
  }

  public static NodePublishVolumeRequest publishRequest(String volumeId, Map<String, String> volumeContext,
      String pod) {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId(volumeId)
        .setStagingTargetPath(stagingPath(volumeId))
        .setTargetPath(publishPath(volumeId, pod))
        .setVolumeCapability(capability())
        .putAllVolumeContext(volumeContext)
        .build();
  }

  /** NodeStageVolume as kubelet calls it (kubelet creates the staging directory first). */
  public void stage(String node, VolumeSpec spec) {
    stage(node, stageRequest(spec));
  }

  public void stage(String node, NodeStageVolumeRequest request) {
    plugins.exec(node, Duration.ofSeconds(30), "mkdir", "-p", request.getStagingTargetPath()).requireSuccess();
    plugins.csi(node).nodeStageVolume(request);
  }

  /** NodePublishVolume as kubelet calls it (kubelet creates the parent of the target path). */
  public void publish(String node, VolumeSpec spec, String pod) {
    publish(node, publishRequest(spec, pod));
  }

  public void publish(String node, NodePublishVolumeRequest request) {
    String parent = Path.of(request.getTargetPath()).getParent().toString();
    plugins.exec(node, Duration.ofSeconds(30), "mkdir", "-p", parent).requireSuccess();
    plugins.csi(node).nodePublishVolume(request);
  }

  public void unpublish(String node, VolumeSpec spec, String pod) {
    unpublish(node, spec.getVolumeId(), pod);
  }

  public void unpublish(String node, String volumeId, String pod) {
    plugins.csi(node).nodeUnpublishVolume(NodeUnpublishVolumeRequest.newBuilder().setVolumeId(volumeId)
        .setTargetPath(publishPath(volumeId, pod)).build());
  }

  public void unstage(String node, VolumeSpec spec) {
    unstage(node, spec.getVolumeId());
  }

  public void unstage(String node, String volumeId) {
    plugins.csi(node).nodeUnstageVolume(NodeUnstageVolumeRequest.newBuilder().setVolumeId(volumeId)
        .setStagingTargetPath(stagingPath(volumeId)).build());
  }

  public NodeGetVolumeStatsResponse stats(String node, VolumeSpec spec, String pod) {
    return plugins.csi(node).nodeGetVolumeStats(NodeGetVolumeStatsRequest.newBuilder()
        .setVolumeId(spec.getVolumeId()).setVolumePath(publishPath(spec.getVolumeId(), pod)).build());
  }
}
