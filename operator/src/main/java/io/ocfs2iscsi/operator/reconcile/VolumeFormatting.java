package io.ocfs2iscsi.operator.reconcile;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.FormatVolumeRequest;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.contract.ClusterStackNames;
import io.ocfs2iscsi.operator.agent.AgentCalls;
import io.ocfs2iscsi.operator.agent.AgentErrors;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec.FormatPolicy;
import io.ocfs2iscsi.operator.api.v1alpha1.FormattedStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.desired.AgentVolumeSpecs;
import io.ocfs2iscsi.operator.desired.LunClaims;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.operator.status.VolumeAssessment;
import io.ocfs2iscsi.operator.status.VolumeConditions;
import io.ocfs2iscsi.operator.status.VolumeReason;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The format step of an IscsiSharedVolume: takes the LUN's format Lease, keeps it renewed while one member's
 * FormatVolume runs, and turns the outcome into the volume's status (formatted, adopted) or a blocker.
 */
final class VolumeFormatting {

  private final FormatLease lease;
  private final AgentCalls calls;
  private final ChapSecrets chap;
  private final ReconcileSettings settings;
  private final ScheduledExecutorService renewals;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;

  VolumeFormatting(
      FormatLease lease, AgentCalls calls, ChapSecrets chap, ReconcileSettings settings,
      ScheduledExecutorService renewals, EventRecorder events, OperatorMetrics metrics, Clock clock) {
    this.lease = lease;
    this.calls = calls;
    this.chap = chap;
    this.settings = settings;
    this.renewals = renewals;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  /** Formats or adopts on {@code member}; returns true when the volume is formatted now. */
  boolean format(
      IscsiSharedVolume volume, String clusterName, ClusterStackKind stack, ClusterMemberStatus member,
      IscsiSharedVolumeStatus status, VolumeAssessment a) {
    String name = volume.getMetadata().getName();
    LunClaims.Lun lun = LunClaims.lunOf(volume).orElseThrow();
    Optional<FormatLease.Held> held = lease.acquire(lun, name);
    if (held.isPresent()) {
      a.block(VolumeReason.FormatInProgress, "format Lease " + held.get().lease() + " of " + lun
          + " held by " + held.get().holder() + " until " + held.get().until().truncatedTo(ChronoUnit.SECONDS)
          + "; waiting");
      return false;
    }
    boolean probeOnly = volume.getSpec().getFilesystem().getFormat() == FormatPolicy.Never;
    AgentCalls.Answer<FormatVolumeResponse> answer;
    try (FormatLease.Renewal renewal = lease.keepRenewed(lun, renewals)) {
      answer = calls.one(new AgentCalls.Target(member.getNodeName(), member.getAgentEndpoint()),
          settings.formatTimeout(), agent -> agent.formatVolume(FormatVolumeRequest.newBuilder()
              .setVolume(AgentVolumeSpecs.of(volume, clusterName, stack))
              .putAllSecrets(chap.read(volume.getSpec().getTarget().getChapSecretRef()))
              .setProbeOnly(probeOnly)
              .build()));
    } catch (RuntimeException e) {
      answer = new AgentCalls.Answer<>(null, null, AgentErrors.describe(e));
    }
    if (!answer.answered()) {
      blockOnce(volume, a, VolumeReason.FormatFailed, "FormatVolume on node " + member.getNodeName() + ": "
          + answer.failure());
      return false;
    }
    return outcome(volume, clusterName, stack, member, answer.reply(), status, a);
  }

  /** What FormatVolume's answer means: formatted, adopted, or why the volume waits (nothing was written). */
  private boolean outcome(
      IscsiSharedVolume volume, String clusterName, ClusterStackKind stack, ClusterMemberStatus member,
      FormatVolumeResponse r, IscsiSharedVolumeStatus status, VolumeAssessment a) {
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    String expectedLabel = volume.getSpec().getFilesystem().getLabel();
    switch (r.getOutcome()) {
      case FORMATTED -> {
        FormattedStatus formatted = new FormattedStatus(r.getUuid(), member.getNodeName(), now, false);
        formatted.setClusterStack(ClusterStackNames.name(stack));
        formatted.setNodeSlots(r.getNodeSlots() > 0 ? r.getNodeSlots() : volume.getSpec().getFilesystem().getNodeSlots());
        status.setFormatted(formatted);
        status.setWwid(r.getWwid());
        metrics.formatted();
        events.normal(volume, VolumeReason.Formatted, "node " + member.getNodeName() + " formatted "
            + r.getDevice() + " with OCFS2 " + r.getUuid());
        a.formatted(formatted);
        return true;
      }
      case EXISTING_OCFS2 -> {
        boolean labelOk = expectedLabel == null || expectedLabel.equals(r.getLabel());
        boolean clusterOk = r.getClusterName().isEmpty() || clusterName.equals(r.getClusterName());
        if (labelOk && clusterOk) {
          FormattedStatus adopted = new FormattedStatus(r.getUuid(), member.getNodeName(), now, true);
          adopted.setClusterStack(ClusterStackNames.name(stack));
          // The adopted filesystem's own count (another tool may have made it with more or fewer slots).
          adopted.setNodeSlots(r.getNodeSlots() > 0 ? r.getNodeSlots() : null);
          status.setFormatted(adopted);
          status.setWwid(r.getWwid());
          events.normal(volume, VolumeReason.Adopted, "node " + member.getNodeName() + " found OCFS2 " + r.getUuid()
              + " (label '" + r.getLabel() + "') on " + r.getDevice() + "; adopted, nothing written");
          a.formatted(adopted);
          return true;
        }
        String message = r.getDevice() + " carries OCFS2 labelled '" + r.getLabel() + "' of cluster '"
            + r.getClusterName() + "', expected label '" + (expectedLabel == null ? "(any)" : expectedLabel)
            + "' of cluster '" + clusterName + "'; nothing was written";
        blockOnce(volume, a, VolumeReason.ForeignSignature, message);
        return false;
      }
      case FOREIGN_SIGNATURE -> {
        blockOnce(volume, a, VolumeReason.ForeignSignature, r.getDevice() + " on node " + member.getNodeName()
            + " carries " + r.getFoundSignature() + "; nothing was written");
        return false;
      }
      case BLANK -> {
        a.block(VolumeReason.WaitingForFilesystem, "format: Never and " + r.getDevice() + " carries no"
            + " filesystem yet; format it yourself or set spec.filesystem.format to IfUnformatted");
        return false;
      }
      default -> {
        a.block(VolumeReason.FormatFailed, "FormatVolume answered " + r.getOutcome() + ": " + r.getMessage());
        return false;
      }
    }
  }

  /** Blocks the volume; a Warning event only when Ready's reason changes to this one. */
  private void blockOnce(IscsiSharedVolume volume, VolumeAssessment a, VolumeReason reason, String message) {
    a.block(reason, message);
    boolean already = volume.getStatus() != null
        && Conditions.hasReason(volume.getStatus().getConditions(), VolumeConditions.READY, reason);
    if (!already) {
      events.warning(volume, reason, message);
    }
  }
}
