package io.ocfs2iscsi.operator.reconcile;

import io.ocfs2iscsi.agent.v1.SetNodeSlotsRequest;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.operator.agent.AgentCalls;
import io.ocfs2iscsi.operator.agent.AgentErrors;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec.NodeSlotsPolicy;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.desired.LunClaims;
import io.ocfs2iscsi.operator.desired.NodeSlots;
import io.ocfs2iscsi.operator.status.VolumeAssessment;
import io.ocfs2iscsi.operator.status.VolumeReason;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The node slots step of an IscsiSharedVolume (NodeSlots decides): with more members than slots, NodeSlotsExceeded
 * says why the volume waits; under the Automatic policy one member adds the slots (SetNodeSlots) once no node mounts
 * the volume, under the LUN's Lease (the one the format and the growth take: never two tunefs.ocfs2 or a mkfs at
 * once), and the new count is recorded in status.formatted.
 */
final class VolumeSlotting {

  /** How soon a volume with too few slots looks again (seconds). */
  static final long RETRY_SECONDS = 30;

  private final FormatLease lease;
  private final AgentCalls calls;
  private final ChapSecrets chap;
  private final ReconcileSettings settings;
  private final ScheduledExecutorService renewals;
  private final EventRecorder events;

  VolumeSlotting(
      FormatLease lease, AgentCalls calls, ChapSecrets chap, ReconcileSettings settings,
      ScheduledExecutorService renewals, EventRecorder events) {
    this.lease = lease;
    this.calls = calls;
    this.chap = chap;
    this.settings = settings;
    this.renewals = renewals;
    this.events = events;
  }

  /** Returns how soon to look again while slots are missing; empty when there are enough. */
  Optional<Long> reconcile(
      IscsiSharedVolume volume, VolumeSpec spec, String cluster, List<ClusterMemberStatus> members,
      List<NodeVolumeStatus> health, IscsiSharedVolumeStatus status, VolumeAssessment a) {
    FilesystemSpec fs = volume.getSpec().getFilesystem();
    int slots = recordedSlots(fs, status);
    NodeSlotsPolicy policy = fs.getNodeSlotsPolicy() == null ? NodeSlotsPolicy.Automatic : fs.getNodeSlotsPolicy();
    List<String> names = members.stream().map(ClusterMemberStatus::getNodeName).toList();
    List<String> applied = members.stream().filter(m -> m.getState() == ClusterMemberStatus.State.Applied)
        .map(ClusterMemberStatus::getNodeName).toList();
    NodeSlots.Decision decision = NodeSlots.decide(policy, slots, fs.getNodeSlots(), names, applied, health, cluster,
        "/dev/mapper/" + volume.effectiveAlias());
    if (decision instanceof NodeSlots.Enough) {
      return Optional.empty();
    }
    if (decision instanceof NodeSlots.Wait wait) {
      a.slotsExceeded(wait.message());
      return Optional.of(RETRY_SECONDS);
    }
    NodeSlots.AddOn add = (NodeSlots.AddOn) decision;
    String adding = members.size() + " nodes are members of Ocfs2Cluster " + cluster + " but the filesystem has "
        + slots + " node slots: adding slots (" + slots + " -> " + add.to() + ") on node " + add.node();
    LunClaims.Lun lun = LunClaims.lunOf(volume).orElseThrow();
    Optional<FormatLease.Held> held = lease.acquire(lun, volume.getMetadata().getName());
    if (held.isPresent()) {
      a.slotsExceeded(adding + " waits for the Lease " + held.get().lease() + " of " + lun + ", held by "
          + held.get().holder() + " until " + held.get().until().truncatedTo(ChronoUnit.SECONDS));
      return Optional.of(RETRY_SECONDS);
    }
    ClusterMemberStatus member = members.stream().filter(m -> m.getNodeName().equals(add.node())).findFirst()
        .orElseThrow();
    AgentCalls.Target target = new AgentCalls.Target(member.getNodeName(), member.getAgentEndpoint());
    AgentCalls.Answer<SetNodeSlotsResponse> answer;
    long start = System.nanoTime();
    try (FormatLease.Renewal renewal = lease.keepRenewed(lun, renewals)) {
      answer = calls.one(target, settings.formatTimeout(), agent -> agent.setNodeSlots(SetNodeSlotsRequest.newBuilder()
          .setVolume(spec)
          .putAllSecrets(chap.read(volume.getSpec().getTarget().getChapSecretRef()))
          .setNodeSlots(add.to())
          .build()));
    } catch (RuntimeException e) {
      answer = new AgentCalls.Answer<>(target, null, AgentErrors.describe(e));
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    if (!answer.answered()) {
      a.slotsExceeded(adding + " failed (retried): " + answer.failure());
      return Optional.of(RETRY_SECONDS);
    }
    int now = answer.reply().getSlotsAfter();
    status.getFormatted().setNodeSlots(now);
    if (now < members.size()) {
      a.slotsExceeded(adding + ": the filesystem has " + now + " node slots after SetNodeSlots ("
          + answer.reply().getMessage() + ")");
      return Optional.of(RETRY_SECONDS);
    }
    events.normal(volume, VolumeReason.NodeSlotsAdded,
        NodeSlots.added(new NodeSlots.AddOn(add.node(), answer.reply().getSlotsBefore(), now), millis));
    return Optional.empty();
  }

  /** The filesystem's slots as recorded; volumes formatted before slots were recorded have the spec's count. */
  static int recordedSlots(FilesystemSpec fs, IscsiSharedVolumeStatus status) {
    Integer recorded = status.getFormatted() == null ? null : status.getFormatted().getNodeSlots();
    return recorded != null ? recorded : fs.getNodeSlots();
  }
}
