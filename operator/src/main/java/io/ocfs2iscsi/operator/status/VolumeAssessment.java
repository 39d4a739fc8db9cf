package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one reconcile found out about a volume, collected step by step; {@link VolumeConditions} turns it into
 * conditions. A blocker is the first thing that stops the volume from progressing (its reason becomes Ready's).
 */
public final class VolumeAssessment {

  /** Reasons, as the README's troubleshooting table lists them. */
  public static final String INVALID_SPEC = "InvalidSpec";
  public static final String CLUSTER_NOT_FOUND = "ClusterNotFound";
  public static final String CLUSTER_NOT_APPLIED = "ClusterNotApplied";
  public static final String TIMEOUTS_INCOHERENT = "TimeoutsIncoherent";
  public static final String FOREIGN_SIGNATURE = "ForeignSignature";
  public static final String WAITING_FOR_FILESYSTEM = "WaitingForFilesystem";
  public static final String FORMAT_IN_PROGRESS = "FormatInProgress";
  public static final String FORMAT_FAILED = "FormatFailed";
  public static final String NODE_SLOTS_EXCEEDED = "NodeSlotsExceeded";
  public static final String CLAIM_STILL_BOUND = "ClaimStillBound";
  public static final String LUN_IN_USE = "LunInUse";
  public static final String CHAP_SECRET_NAMESPACE_NOT_ALLOWED = "ChapSecretNamespaceNotAllowed";

  public record Blocker(String reason, String message) {}

  private Blocker blocker;
  private String timeoutWarning;
  private String timeoutSummary;
  private String formattedMessage;
  private String formattedReason;
  private String persistentVolume;
  private String slotsProblem;
  private final List<NodeVolumeStatus> nodes = new ArrayList<>();

  /** Records the first blocker; later ones are consequences of it. */
  public VolumeAssessment block(String reason, String message) {
    if (blocker == null) {
      blocker = new Blocker(reason, message);
    }
    return this;
  }

  public VolumeAssessment timeouts(boolean coherent, String message) {
    if (coherent) {
      timeoutSummary = message;
    } else {
      timeoutWarning = message;
    }
    return this;
  }

  public VolumeAssessment formatted(String reason, String message) {
    formattedReason = reason;
    formattedMessage = message;
    return this;
  }

  public VolumeAssessment published(String persistentVolumeName) {
    persistentVolume = persistentVolumeName;
    return this;
  }

  public VolumeAssessment slotsExceeded(String message) {
    slotsProblem = message;
    return this;
  }

  public VolumeAssessment nodes(List<NodeVolumeStatus> health) {
    nodes.clear();
    nodes.addAll(health);
    return this;
  }

  public Optional<Blocker> blocker() { return Optional.ofNullable(blocker); }
  public Optional<String> timeoutWarning() { return Optional.ofNullable(timeoutWarning); }
  public Optional<String> timeoutSummary() { return Optional.ofNullable(timeoutSummary); }
  public Optional<String> formattedReason() { return Optional.ofNullable(formattedReason); }
  public Optional<String> formattedMessage() { return Optional.ofNullable(formattedMessage); }
  public Optional<String> persistentVolume() { return Optional.ofNullable(persistentVolume); }
  public Optional<String> slotsProblem() { return Optional.ofNullable(slotsProblem); }
  public List<NodeVolumeStatus> nodes() { return List.copyOf(nodes); }
}
