package io.ocfs2iscsi.node.grpc;

import csi.v1.NodeGetCapabilitiesRequest;
import csi.v1.NodeGetCapabilitiesResponse;
import csi.v1.NodeGetInfoRequest;
import csi.v1.NodeGetInfoResponse;
import csi.v1.NodeGetVolumeStatsRequest;
import csi.v1.NodeGetVolumeStatsResponse;
import csi.v1.NodeGrpc;
import csi.v1.NodePublishVolumeRequest;
import csi.v1.NodePublishVolumeResponse;
import csi.v1.NodeServiceCapability;
import csi.v1.NodeStageVolumeRequest;
import csi.v1.NodeStageVolumeResponse;
import csi.v1.NodeUnpublishVolumeRequest;
import csi.v1.NodeUnpublishVolumeResponse;
import csi.v1.NodeUnstageVolumeRequest;
import csi.v1.NodeUnstageVolumeResponse;
import csi.v1.VolumeCapability;
import csi.v1.VolumeCondition;
import csi.v1.VolumeUsage;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.tools.Statfs;
import io.ocfs2iscsi.node.volume.BoundedCalls;
import io.ocfs2iscsi.node.volume.Requests;
import io.ocfs2iscsi.node.volume.VolumeHealth;
import io.ocfs2iscsi.node.volume.VolumeInspector;
import io.ocfs2iscsi.node.volume.VolumePublisher;
import io.ocfs2iscsi.node.volume.VolumeStager;
import io.grpc.Context;
import io.grpc.Deadline;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** CSI Node: translates the CSI messages to the volume operations and back; no host logic here. */
public final class NodeService extends NodeGrpc.NodeImplBase {

  private final GrpcErrors errors;
  private final VolumeStager stager;
  private final VolumePublisher publisher;
  private final VolumeInspector inspector;
  private final String nodeId;
  private final BoundedCalls bounded;

  public NodeService(
      GrpcErrors errors, VolumeStager stager, VolumePublisher publisher, VolumeInspector inspector, String nodeId) {
    this(errors, stager, publisher, inspector, nodeId, new BoundedCalls());
  }

  public NodeService(
      GrpcErrors errors, VolumeStager stager, VolumePublisher publisher, VolumeInspector inspector, String nodeId,
      BoundedCalls bounded) {
    this.bounded = bounded;
    this.errors = errors;
    this.stager = stager;
    this.publisher = publisher;
    this.inspector = inspector;
    this.nodeId = nodeId;
  }

  @Override
  public void nodeStageVolume(NodeStageVolumeRequest r, StreamObserver<NodeStageVolumeResponse> observer) {
    errors.unary("NodeStageVolume", observer, bounded("NodeStageVolume", r.getVolumeId(), r.getStagingTargetPath(),
        r, () -> {
      stager.stage(new Requests.Stage(
          r.getVolumeId(), r.getStagingTargetPath(), decode(r.getVolumeId(), r.getVolumeContextMap()),
          r.getSecretsMap(), capability(r.hasVolumeCapability(), r.getVolumeCapability())));
      return NodeStageVolumeResponse.getDefaultInstance();
    }));
  }

  @Override
  public void nodeUnstageVolume(NodeUnstageVolumeRequest r, StreamObserver<NodeUnstageVolumeResponse> observer) {
    errors.unary("NodeUnstageVolume", observer, bounded("NodeUnstageVolume", r.getVolumeId(),
        r.getStagingTargetPath(), r, () -> {
          stager.unstage(new Requests.Unstage(r.getVolumeId(), r.getStagingTargetPath()));
          return NodeUnstageVolumeResponse.getDefaultInstance();
        }));
  }

  @Override
  public void nodePublishVolume(NodePublishVolumeRequest r, StreamObserver<NodePublishVolumeResponse> observer) {
    errors.unary("NodePublishVolume", observer, bounded("NodePublishVolume", r.getVolumeId(), r.getTargetPath(), r,
        () -> {
      VolumeCapability.AccessMode.Mode mode = r.getVolumeCapability().getAccessMode().getMode();
      boolean readOnly = r.getReadonly()
          || mode == VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY
          || mode == VolumeCapability.AccessMode.Mode.SINGLE_NODE_READER_ONLY;
      publisher.publish(new Requests.Publish(r.getVolumeId(), r.getStagingTargetPath(), r.getTargetPath(), readOnly,
          capability(r.hasVolumeCapability(), r.getVolumeCapability())));
      return NodePublishVolumeResponse.getDefaultInstance();
    }));
  }

  @Override
  public void nodeUnpublishVolume(
      NodeUnpublishVolumeRequest r, StreamObserver<NodeUnpublishVolumeResponse> observer) {
    errors.unary("NodeUnpublishVolume", observer, bounded("NodeUnpublishVolume", r.getVolumeId(), r.getTargetPath(),
        r, () -> {
          publisher.unpublish(new Requests.Unpublish(r.getVolumeId(), r.getTargetPath()));
          return NodeUnpublishVolumeResponse.getDefaultInstance();
        }));
  }

  @Override
  public void nodeGetVolumeStats(NodeGetVolumeStatsRequest r, StreamObserver<NodeGetVolumeStatsResponse> observer) {
    errors.unary("NodeGetVolumeStats", observer, bounded("NodeGetVolumeStats", r.getVolumeId(), r.getVolumePath(),
        r, () -> {
      StagedVolume v = inspector.stagedAt(r.getVolumeId(), r.getVolumePath());
      Statfs.Usage u = inspector.usage(r.getVolumePath());
      VolumeHealth h = inspector.health(v);
      return NodeGetVolumeStatsResponse.newBuilder()
          .addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.BYTES).setTotal(u.totalBytes())
              .setAvailable(u.availableBytes()).setUsed(u.usedBytes()))
          .addUsage(VolumeUsage.newBuilder().setUnit(VolumeUsage.Unit.INODES).setTotal(u.totalInodes())
              .setAvailable(u.freeInodes()).setUsed(u.usedInodes()))
          .setVolumeCondition(VolumeCondition.newBuilder().setAbnormal(!h.healthy()).setMessage(h.summary()))
          .build();
    }));
  }

  @Override
  public void nodeGetCapabilities(
      NodeGetCapabilitiesRequest r, StreamObserver<NodeGetCapabilitiesResponse> observer) {
    errors.unary("NodeGetCapabilities", observer, () -> {
      NodeGetCapabilitiesResponse.Builder b = NodeGetCapabilitiesResponse.newBuilder();
      for (NodeServiceCapability.RPC.Type t :
          List.of(
              NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
              NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
              NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
              NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER)) {
        b.addCapabilities(
            NodeServiceCapability.newBuilder().setRpc(NodeServiceCapability.RPC.newBuilder().setType(t)));
      }
      return b.build();
    });
  }

  @Override
  public void nodeGetInfo(NodeGetInfoRequest r, StreamObserver<NodeGetInfoResponse> observer) {
    // No topology: which nodes may use a volume is the PV's nodeAffinity, written by the operator.
    errors.unary("NodeGetInfo", observer, () -> NodeGetInfoResponse.newBuilder().setNodeId(nodeId).build());
  }

  /**
   * {@code work} answered within the call's bound: it runs on a thread of its own, and a call that a host command
   * holds beyond the bound gets DEADLINE_EXCEEDED while the work goes on ({@link BoundedCalls}).
   */
  private <T> Supplier<T> bounded(String rpc, String volumeId, String path, Object request, Supplier<T> work) {
    Deadline deadline = Context.current().getDeadline();
    Optional<Duration> callerLeft = deadline == null ? Optional.empty()
        : Optional.of(Duration.ofNanos(Math.max(0, deadline.timeRemaining(TimeUnit.NANOSECONDS))));
    return () -> bounded.run(rpc, volumeId, path, request, callerLeft, work);
  }

  /** The request's capability (null when it has none); the volume operations check it. */
  private static Requests.Capability capability(boolean present, VolumeCapability c) {
    return present
        ? new Requests.Capability(c.hasBlock(), c.getMount().getFsType(), c.getMount().getMountFlagsList())
        : null;
  }

  /** The PV's volumeAttributes, decoded by the contract's codec; a malformed one is the caller's INVALID_ARGUMENT. */
  private static VolumeSpec decode(String volumeId, java.util.Map<String, String> context) {
    try {
      return VolumeContextCodec.decode(volumeId, context);
    } catch (IllegalArgumentException e) {
      throw NodeException.invalidArgument(e.getMessage());
    }
  }
}
