package io.ocfs2iscsi.node.grpc;

import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.ExpandVolumeRequest;
import io.ocfs2iscsi.agent.v1.ExpandVolumeResponse;
import io.ocfs2iscsi.agent.v1.FormatVolumeRequest;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.agent.v1.PathHealth;
import io.ocfs2iscsi.agent.v1.SessionHealth;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsRequest;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsResponse;
import io.ocfs2iscsi.agent.v1.ToolVersion;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.info.HostInventory;
import io.ocfs2iscsi.node.info.NodeFacts;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.volume.HeartbeatIo;
import io.ocfs2iscsi.node.volume.VolumeExpander;
import io.ocfs2iscsi.node.volume.VolumeFormatter;
import io.ocfs2iscsi.node.volume.VolumeHealth;
import io.ocfs2iscsi.node.volume.VolumeInspector;
import io.ocfs2iscsi.node.volume.VolumeSlots;

/** The node agent for the operator: translates its messages to the node's operations and back. */
public final class NodeAgentService extends NodeAgentGrpc.NodeAgentImplBase {

  private final GrpcErrors errors;
  private final HostInventory inventory;
  private final ClusterStack cluster;
  private final VolumeFormatter formatter;
  private final VolumeInspector inspector;
  private final VolumeExpander expander;
  private final VolumeSlots slots;

  public NodeAgentService(
      GrpcErrors errors, HostInventory inventory, ClusterStack cluster, VolumeFormatter formatter,
      VolumeInspector inspector, VolumeExpander expander, VolumeSlots slots) {
    this.slots = slots;
    this.errors = errors;
    this.inventory = inventory;
    this.cluster = cluster;
    this.formatter = formatter;
    this.inspector = inspector;
    this.expander = expander;
  }

  @Override
  public void getNodeInfo(GetNodeInfoRequest r, StreamObserver<GetNodeInfoResponse> observer) {
    errors.unary("GetNodeInfo", observer, () -> {
      NodeFacts f = inventory.facts(r.getAddressCidr(), r.getStack() == ClusterStackKind.CLUSTER_STACK_USER);
      GetNodeInfoResponse.Builder b = GetNodeInfoResponse.newBuilder()
          .setNodeName(f.nodeName())
          .setO2CbAddress(f.o2cbAddress())
          .setInitiatorName(f.initiatorName())
          .setPluginVersion(f.pluginVersion())
          .setO2CbNodeName(f.o2cbNodeName())
          .addAllMissingPrerequisites(f.missingPrerequisites());
      for (NodeFacts.Tool t : f.tools()) {
        b.addTools(ToolVersion.newBuilder().setName(t.name()).setVersion(t.version()).setPresent(t.present()));
      }
      return b.build();
    });
  }

  @Override
  public void applyCluster(ApplyClusterRequest r, StreamObserver<ApplyClusterResponse> observer) {
    errors.unary("ApplyCluster", observer, () -> {
      ClusterStack.Applied a = cluster.apply(r);
      return ApplyClusterResponse.newBuilder()
          .setAppliedRevision(a.online() ? r.getRevision() : "")
          .setChanged(a.changed())
          .setOnline(a.online())
          .setPending(a.pending())
          .setStack(r.getStack())
          .build();
    });
  }

  @Override
  public void formatVolume(FormatVolumeRequest r, StreamObserver<FormatVolumeResponse> observer) {
    errors.unary("FormatVolume", observer, () -> {
      VolumeFormatter.Result res;
      try (CallCancellation call = CallCancellation.ofCurrentCall()) {
        res = formatter.format(
            r.hasVolume() ? r.getVolume() : null, r.getSecretsMap(), r.getProbeOnly(), call.cancellation());
      }
      return FormatVolumeResponse.newBuilder()
          .setOutcome(switch (res.outcome()) {
            case FORMATTED -> FormatVolumeResponse.Outcome.FORMATTED;
            case EXISTING_OCFS2 -> FormatVolumeResponse.Outcome.EXISTING_OCFS2;
            case FOREIGN_SIGNATURE -> FormatVolumeResponse.Outcome.FOREIGN_SIGNATURE;
            case BLANK -> FormatVolumeResponse.Outcome.BLANK;
          })
          .setUuid(res.uuid())
          .setLabel(res.label())
          .setClusterName(res.clusterName())
          .setWwid(res.wwid())
          .setDevice(res.device())
          .setFoundSignature(res.foundSignature())
          .setMessage(res.message())
          .setNodeSlots(Math.max(0, res.nodeSlots()))
          .build();
    });
  }

  @Override
  public void getVolumeHealth(GetVolumeHealthRequest r, StreamObserver<GetVolumeHealthResponse> observer) {
    errors.unary("GetVolumeHealth", observer, () -> {
      VolumeHealth h = inspector.health(r.hasVolume() ? r.getVolume() : null);
      HeartbeatIo hb = inspector.heartbeatIo(r.getVolume(), h);
      GetVolumeHealthResponse.Builder b = GetVolumeHealthResponse.newBuilder()
          .setHeartbeatFailing(hb.failing())
          .setHeartbeatSilentMs((int) Math.min(Integer.MAX_VALUE, hb.silentMs().orElse(0L)))
          .setSecondsUntilFence((int) hb.secondsUntilFence())
          .setVolumeId(h.volumeId())
          .setMapPresent(h.mapPresent())
          .setWwid(h.wwid())
          .setStaged(h.staged())
          .setMounted(h.mounted())
          .setReadOnly(h.readOnly())
          .setHeartbeatActive(h.heartbeatActive())
          .setPublishCount(h.publishCount())
          .addAllProblems(h.problems())
          .setQueueIfNoPath(h.queueIfNoPath())
          .setNoPathRetry(h.noPathRetry());
      hb.problem().ifPresent(b::addProblems);
      for (VolumeHealth.Session s : h.sessions()) {
        b.addSessions(SessionHealth.newBuilder().setPortal(s.portal()).setState(s.state()).setSid(s.sid())
            .setRecoveryTimeoutSeconds(s.timeouts().recoveryTimeout())
            .setNoopOutIntervalSeconds(s.timeouts().noopOutInterval())
            .setNoopOutTimeoutSeconds(s.timeouts().noopOutTimeout())
            .setIface(s.iface()).setNetdev(s.netdev()));
      }
      for (MultipathPath p : h.paths()) {
        b.addPaths(PathHealth.newBuilder().setDevice(p.device()).setHctl(p.hctl()).setDmState(p.dmState())
            .setCheckerState(p.checkerState()).setUp(p.up()));
      }
      return b.build();
    });
  }

  @Override
  public void expandVolume(ExpandVolumeRequest r, StreamObserver<ExpandVolumeResponse> observer) {
    errors.unary("ExpandVolume", observer, () -> {
      VolumeExpander.Result res;
      try (CallCancellation call = CallCancellation.ofCurrentCall()) {
        res = expander.expand(r.hasVolume() ? r.getVolume() : null, r.getGrowFilesystem(), call.cancellation());
      }
      return ExpandVolumeResponse.newBuilder()
          .setStaged(res.staged())
          .putAllPathBytes(res.pathBytes())
          .setMapBytes(res.mapBytes())
          .setFilesystemBytes(res.filesystemBytes())
          .setFilesystemGrown(res.grown())
          .setMessage(res.message())
          .build();
    });
  }

  @Override
  public void setNodeSlots(SetNodeSlotsRequest r, StreamObserver<SetNodeSlotsResponse> observer) {
    errors.unary("SetNodeSlots", observer, () -> {
      VolumeSlots.Result res;
      try (CallCancellation call = CallCancellation.ofCurrentCall()) {
        res = slots.setNodeSlots(r.hasVolume() ? r.getVolume() : null, r.getNodeSlots(), r.getSecretsMap(),
            call.cancellation());
      }
      return SetNodeSlotsResponse.newBuilder()
          .setSlotsBefore(res.before())
          .setSlotsAfter(res.after())
          .setChanged(res.changed())
          .setTunefsMillis(res.millis())
          .setDevice(res.device())
          .setMessage(res.message())
          .build();
    });
  }
}
