package io.ocfs2iscsi.operator.reconcile;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
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
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test seam: a node agent that answers like the real one from a few fields instead of a host. The volume is
 * "mounted" here when the test says so (kubelet would stage it); paths are up unless the test fails some.
 */
final class FakeNodeAgent extends NodeAgentGrpc.NodeAgentImplBase {

  final String node;
  final String o2cbAddress;
  private final FakeSan san;
  volatile boolean reachable = true;
  volatile boolean mounted;
  volatile int failedPaths;
  volatile List<String> missingPrerequisites = List.of();
  /** The last GetNodeInfo request (the cluster's stack, the o2cb network). */
  volatile GetNodeInfoRequest lastInfoRequest;
  /** When set, FormatVolume waits for it before writing (an operator can die meanwhile). */
  volatile CountDownLatch formatGate;
  final CountDownLatch formatEntered = new CountDownLatch(1);
  final List<ApplyClusterRequest> applied = new CopyOnWriteArrayList<>();
  final AtomicInteger formatCalls = new AtomicInteger();
  /** The secret keys and values of the last FormatVolume call (what the operator read from the CHAP Secret). */
  volatile java.util.Map<String, String> lastFormatSecrets = java.util.Map.of();
  /** The last FormatVolume request. */
  volatile FormatVolumeRequest lastFormat;
  final AtomicInteger healthCalls = new AtomicInteger();
  /** node_slots of every SetNodeSlots call, in order. */
  final List<Integer> slotCalls = new CopyOnWriteArrayList<>();
  /** grow_filesystem of every ExpandVolume call, in order. */
  final List<Boolean> expandCalls = new CopyOnWriteArrayList<>();

  FakeNodeAgent(String node, String o2cbAddress, FakeSan san) {
    this.node = node;
    this.o2cbAddress = o2cbAddress;
    this.san = san;
  }

  ApplyClusterRequest lastApplied() {
    return applied.isEmpty() ? null : applied.get(applied.size() - 1);
  }

  private boolean refuse(StreamObserver<?> observer) {
    if (!reachable) {
      observer.onError(Status.UNAVAILABLE.withDescription("fake agent of " + node + " is down").asRuntimeException());
      return true;
    }
    return false;
  }

  @Override
  public void getNodeInfo(GetNodeInfoRequest request, StreamObserver<GetNodeInfoResponse> observer) {
    if (refuse(observer)) {
      return;
    }
    lastInfoRequest = request;
    observer.onNext(GetNodeInfoResponse.newBuilder().setNodeName(node).setO2CbNodeName(node)
        .setO2CbAddress(o2cbAddress).addAllMissingPrerequisites(missingPrerequisites).setPluginVersion("fake")
        .build());
    observer.onCompleted();
  }

  @Override
  public void applyCluster(ApplyClusterRequest request, StreamObserver<ApplyClusterResponse> observer) {
    if (refuse(observer)) {
      return;
    }
    if (request.getMembersList().stream().noneMatch(m -> m.getNodeName().equals(node))) {
      observer.onError(Status.FAILED_PRECONDITION.withDescription("this node is not in the member list")
          .asRuntimeException());
      return;
    }
    applied.add(request);
    observer.onNext(ApplyClusterResponse.newBuilder().setAppliedRevision(request.getRevision()).setChanged(true)
        .setOnline(true).build());
    observer.onCompleted();
  }

  @Override
  public void formatVolume(FormatVolumeRequest request, StreamObserver<FormatVolumeResponse> observer) {
    if (refuse(observer)) {
      return;
    }
    formatCalls.incrementAndGet();
    lastFormat = request;
    lastFormatSecrets = java.util.Map.copyOf(request.getSecretsMap());
    formatEntered.countDown();
    CountDownLatch gate = formatGate;
    if (gate != null) {
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    var v = request.getVolume();
    String key = FakeSan.key(v.getTarget().getIqn(), v.getTarget().getLun());
    String device = "/dev/mapper/" + v.getMultipath().getAlias();
    FormatVolumeResponse.Builder r = FormatVolumeResponse.newBuilder().setWwid("36001405fake" + Math.abs(key.hashCode()))
        .setDevice(device);
    synchronized (san) {
      FakeSan.Filesystem fs = san.probe(key);
      if (fs == null && request.getProbeOnly()) {
        r.setOutcome(FormatVolumeResponse.Outcome.BLANK);
      } else if (fs == null) {
        fs = san.mkfs(key, v.getFilesystem().getLabel(), v.getFilesystem().getClusterName(),
            v.getFilesystem().getNodeSlots());
        r.setOutcome(FormatVolumeResponse.Outcome.FORMATTED).setUuid(fs.uuid()).setLabel(fs.label())
            .setClusterName(fs.cluster()).setNodeSlots(san.slots(key));
      } else if ("ocfs2".equals(fs.type())) {
        r.setOutcome(FormatVolumeResponse.Outcome.EXISTING_OCFS2).setUuid(fs.uuid()).setLabel(fs.label())
            .setClusterName(fs.cluster()).setFoundSignature("ocfs2").setNodeSlots(san.slots(key));
      } else {
        r.setOutcome(FormatVolumeResponse.Outcome.FOREIGN_SIGNATURE).setFoundSignature(fs.type());
      }
    }
    observer.onNext(r.build());
    observer.onCompleted();
  }

  @Override
  public void getVolumeHealth(GetVolumeHealthRequest request, StreamObserver<GetVolumeHealthResponse> observer) {
    if (refuse(observer)) {
      return;
    }
    healthCalls.incrementAndGet();
    var v = request.getVolume();
    GetVolumeHealthResponse.Builder r = GetVolumeHealthResponse.newBuilder().setVolumeId(v.getVolumeId());
    if (mounted) {
      List<String> portals = v.getTarget().getPortalsList();
      for (int i = 0; i < portals.size(); i++) {
        boolean up = i >= failedPaths;
        r.addSessions(SessionHealth.newBuilder().setPortal(portals.get(i)).setState("LOGGED_IN").setSid(i + 1));
        r.addPaths(PathHealth.newBuilder().setDevice("sd" + (char) ('b' + i)).setHctl((i + 2) + ":0:0:1")
            .setDmState(up ? "active" : "failed").setCheckerState(up ? "ready" : "faulty").setUp(up));
        if (!up) {
          r.addProblems("path sd" + (char) ('b' + i) + " failed");
        }
      }
      r.setMapPresent(true).setStaged(true).setMounted(true).setHeartbeatActive(true).setPublishCount(1);
    }
    observer.onNext(r.build());
    observer.onCompleted();
  }

  /** Rescans and resizes when it mounts the volume; grows the filesystem on request (tunefs.ocfs2 -S). */
  @Override
  public void expandVolume(ExpandVolumeRequest request, StreamObserver<ExpandVolumeResponse> observer) {
    if (refuse(observer)) {
      return;
    }
    expandCalls.add(request.getGrowFilesystem());
    var v = request.getVolume();
    String key = FakeSan.key(v.getTarget().getIqn(), v.getTarget().getLun());
    if (!mounted) {
      if (request.getGrowFilesystem()) {
        observer.onError(Status.FAILED_PRECONDITION.withDescription("not staged on " + node).asRuntimeException());
        return;
      }
      observer.onNext(ExpandVolumeResponse.newBuilder().setStaged(false).build());
      observer.onCompleted();
      return;
    }
    if (request.getGrowFilesystem()) {
      san.growFilesystem(key);
    }
    long lun = san.lunBytes(key);
    observer.onNext(ExpandVolumeResponse.newBuilder().setStaged(true).putPathBytes("sdb", lun)
        .putPathBytes("sdc", lun).setMapBytes(lun).setFilesystemBytes(san.filesystemBytes(key))
        .setFilesystemGrown(request.getGrowFilesystem()).build());
    observer.onCompleted();
  }

  /**
   * tunefs.ocfs2 -N as the node plugin runs it: refused on a node that mounts the volume (the real tool also refuses
   * while any other node mounts it; the operator only asks once none reports a mount).
   */
  @Override
  public void setNodeSlots(SetNodeSlotsRequest request, StreamObserver<SetNodeSlotsResponse> observer) {
    if (refuse(observer)) {
      return;
    }
    slotCalls.add(request.getNodeSlots());
    var v = request.getVolume();
    if (mounted) {
      observer.onError(Status.FAILED_PRECONDITION.withDescription("volume " + v.getVolumeId() + " is mounted on"
          + " this node").asRuntimeException());
      return;
    }
    String key = FakeSan.key(v.getTarget().getIqn(), v.getTarget().getLun());
    int before = san.slots(key);
    boolean change = request.getNodeSlots() > before;
    if (change) {
      san.setSlots(key, request.getNodeSlots());
    }
    observer.onNext(SetNodeSlotsResponse.newBuilder().setSlotsBefore(before).setSlotsAfter(san.slots(key))
        .setChanged(change).setTunefsMillis(change ? 1200 : 0).build());
    observer.onCompleted();
  }
}
