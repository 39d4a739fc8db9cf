package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Quantity;
import io.ocfs2iscsi.agent.v1.ExpandVolumeRequest;
import io.ocfs2iscsi.agent.v1.ExpandVolumeResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.operator.agent.AgentCalls;
import io.ocfs2iscsi.operator.agent.AgentErrors;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.desired.LunClaims;
import io.ocfs2iscsi.operator.desired.VolumeGrowth;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.operator.status.NodeHealthViews;
import io.ocfs2iscsi.operator.status.VolumeAssessment;
import io.ocfs2iscsi.operator.status.VolumeConditions;
import io.ocfs2iscsi.operator.status.VolumeReason;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Collectors;

/**
 * The growth step of an IscsiSharedVolume (VolumeGrowth decides): every node that mounts it rescans and resizes its
 * map; once each shows the LUN at the requested size, one of them grows the filesystem online under the LUN's Lease
 * (the one the format takes: never two tunefs.ocfs2 or a mkfs at once), the others report the size they see, and
 * the PersistentVolume's capacity is raised.
 */
final class VolumeGrowing {

  /** How soon a waiting or failed growth looks again (seconds). */
  static final long RETRY_SECONDS = 30;

  private final FormatLease lease;
  private final AgentCalls calls;
  private final VolumePublishing publishing;
  private final ReconcileSettings settings;
  private final ScheduledExecutorService renewals;
  private final EventRecorder events;

  VolumeGrowing(
      FormatLease lease, AgentCalls calls, VolumePublishing publishing, ReconcileSettings settings,
      ScheduledExecutorService renewals, EventRecorder events) {
    this.lease = lease;
    this.calls = calls;
    this.publishing = publishing;
    this.settings = settings;
    this.renewals = renewals;
    this.events = events;
  }

  /** Returns how soon to look again when the growth waits; empty when nothing is pending. */
  Optional<Long> reconcile(
      IscsiSharedVolume volume, VolumeSpec spec, List<ClusterMemberStatus> members, List<NodeVolumeStatus> health,
      IscsiSharedVolumeStatus status, VolumeAssessment a) {
    Optional<PersistentVolume> pv = publishing.current(volume);
    Optional<Quantity> current = pv.map(p -> p.getSpec().getCapacity()).map(c -> c.get("storage"));
    VolumeGrowth.Change change = VolumeGrowth.change(volume.getSpec().getPersistentVolume().getCapacity(), current);
    if (change instanceof VolumeGrowth.Shrink shrink) {
      warnOnce(volume, a, false, VolumeReason.ShrinkRefused, shrink.message());
      return Optional.empty();
    }
    if (!(change instanceof VolumeGrowth.Grow grow)) {
      // The record of the last growth stays until the next change.
      previous(volume).filter(c -> VolumeReason.Grown.name().equals(c.getReason()))
          .ifPresent(c -> a.growth(false, VolumeReason.Grown, c.getMessage()));
      return Optional.empty();
    }
    // A member that does not answer may still mount the volume: it must see the new size before the filesystem
    // hands out clusters beyond the old end, so the growth waits for it.
    List<String> silent = health.stream().filter(n -> !NodeHealthViews.reachable(n)).map(NodeVolumeStatus::getNode)
        .toList();
    if (!silent.isEmpty()) {
      warnOnce(volume, a, true, VolumeReason.GrowthFailed, "growing to " + grow.requested() + " waits: the node"
          + " agent of " + String.join(", ", silent) + " does not answer, and every node that mounts the volume"
          + " must see the new size first");
      return Optional.of(RETRY_SECONDS);
    }
    Set<String> mounting = health.stream().filter(NodeHealthViews::mounted).map(NodeVolumeStatus::getNode)
        .collect(Collectors.toSet());
    List<AgentCalls.Target> targets = members.stream().filter(m -> mounting.contains(m.getNodeName()))
        .map(m -> new AgentCalls.Target(m.getNodeName(), m.getAgentEndpoint())).toList();
    if (targets.isEmpty()) {
      a.growth(true, VolumeReason.WaitingForMount, VolumeGrowth.FIELD + " asks for " + grow.requested()
          + " but no node mounts the volume now: the filesystem grows online on a node that mounts it, once a pod"
          + " uses it");
      return Optional.of(RETRY_SECONDS);
    }
    long start = System.nanoTime();
    Map<String, AgentCalls.Answer<ExpandVolumeResponse>> rescans = expand(targets, spec, false);
    Optional<String> failed = failures(rescans);
    if (failed.isPresent()) {
      warnOnce(volume, a, true, VolumeReason.GrowthFailed, "growing to " + grow.requested() + ": " + failed.get());
      return Optional.of(RETRY_SECONDS);
    }
    Map<String, Long> mapBytes = new LinkedHashMap<>();
    rescans.forEach((node, r) -> mapBytes.put(node, r.reply().getMapBytes()));
    VolumeGrowth.Next next = VolumeGrowth.next(grow, mapBytes);
    if (next instanceof VolumeGrowth.WaitForLun wait) {
      warnOnce(volume, a, true, VolumeReason.WaitingForLun, wait.message());
      return Optional.of(RETRY_SECONDS);
    }
    String node = ((VolumeGrowth.GrowOn) next).node();
    LunClaims.Lun lun = LunClaims.lunOf(volume).orElseThrow();
    Optional<FormatLease.Held> held = lease.acquire(lun, volume.getMetadata().getName());
    if (held.isPresent()) {
      a.growth(true, VolumeReason.GrowthFailed, "the Lease " + held.get().lease() + " of " + lun + " is held by "
          + held.get().holder() + " until " + held.get().until().truncatedTo(ChronoUnit.SECONDS)
          + "; growing waits for it");
      return Optional.of(RETRY_SECONDS);
    }
    AgentCalls.Target grower = targets.stream().filter(t -> t.node().equals(node)).findFirst().orElseThrow();
    AgentCalls.Answer<ExpandVolumeResponse> grown;
    try (FormatLease.Renewal renewal = lease.keepRenewed(lun, renewals)) {
      grown = calls.one(grower, settings.formatTimeout(), agent -> agent.expandVolume(request(spec, true)));
    } catch (RuntimeException e) {
      grown = new AgentCalls.Answer<>(grower, null, AgentErrors.describe(e));
    }
    if (!grown.answered()) {
      warnOnce(volume, a, true, VolumeReason.GrowthFailed, "growing the filesystem to " + grow.requested()
          + " on node " + node + ": " + grown.failure());
      return Optional.of(RETRY_SECONDS);
    }
    // Every other mounting node reports the size it sees now (its rescan already ran; this only reads).
    Map<String, Long> filesystemBytes = new LinkedHashMap<>();
    filesystemBytes.put(node, grown.reply().getFilesystemBytes());
    expand(targets.stream().filter(t -> !t.node().equals(node)).toList(), spec, false).forEach((n, r) ->
        filesystemBytes.put(n, r.answered() ? r.reply().getFilesystemBytes() : 0L));
    publishing.raiseCapacity(volume, grow.requested());
    status.setFilesystemBytes(grown.reply().getFilesystemBytes());
    String message = VolumeGrowth.grown(grow, node, filesystemBytes) + " (" + (System.nanoTime() - start) / 1_000_000
        + " ms)";
    events.normal(volume, VolumeReason.Grown, message);
    a.growth(false, VolumeReason.Grown, message);
    return Optional.empty();
  }

  private Map<String, AgentCalls.Answer<ExpandVolumeResponse>> expand(
      List<AgentCalls.Target> targets, VolumeSpec spec, boolean grow) {
    return calls.all(targets, settings.formatTimeout(), agent -> agent.expandVolume(request(spec, grow)));
  }

  private static ExpandVolumeRequest request(VolumeSpec spec, boolean grow) {
    return ExpandVolumeRequest.newBuilder().setVolume(spec).setGrowFilesystem(grow).build();
  }

  private static Optional<String> failures(Map<String, AgentCalls.Answer<ExpandVolumeResponse>> answers) {
    String failed = answers.entrySet().stream().filter(e -> !e.getValue().answered())
        .map(e -> "ExpandVolume on node " + e.getKey() + ": " + e.getValue().failure())
        .collect(Collectors.joining("; "));
    return failed.isEmpty() ? Optional.empty() : Optional.of(failed);
  }

  private static Optional<io.fabric8.kubernetes.api.model.Condition> previous(IscsiSharedVolume volume) {
    return volume.getStatus() == null ? Optional.empty()
        : Conditions.find(volume.getStatus().getConditions(), VolumeConditions.GROWING);
  }

  /** The growth's state; a Warning event only when Growing's reason changes to this one. */
  private void warnOnce(
      IscsiSharedVolume volume, VolumeAssessment a, boolean growing, VolumeReason reason, String message) {
    a.growth(growing, reason, message);
    if (previous(volume).map(c -> !reason.name().equals(c.getReason())).orElse(true)) {
      events.warning(volume, reason, message);
    }
  }
}
