package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.operator.api.v1alpha1.FormattedStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one reconcile found out about a volume, collected step by step; {@link VolumeConditions} turns it into
 * conditions. A blocker is the first thing that stops the volume from progressing (its reason becomes Ready's).
 */
public final class VolumeAssessment {

  public record Blocker(VolumeReason reason, String message) {}

  /** The state of a capacity change: growing (True) while the PV is below the spec's capacity. */
  public record Growth(boolean growing, VolumeReason reason, String message) {}

  private Blocker blocker;
  private String timeoutWarning;
  private String timeoutSummary;
  private String timeoutsNotApplied;
  private String formattedMessage;
  private VolumeReason formattedReason;
  private String persistentVolume;
  private String slotsProblem;
  private Growth growth;
  private final List<NodeVolumeStatus> nodes = new ArrayList<>();

  /** Records the first blocker; later ones are consequences of it. */
  public VolumeAssessment block(VolumeReason reason, String message) {
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

  /** Nodes apply other timeouts than the spec's (one message naming each node and value). */
  public VolumeAssessment timeoutsNotApplied(String message) {
    timeoutsNotApplied = message;
    return this;
  }

  /** The volume's recorded format (or adoption) with the one message that describes it. */
  public VolumeAssessment formatted(FormattedStatus f) {
    boolean adopted = Boolean.TRUE.equals(f.getAdopted());
    return formatted(adopted ? VolumeReason.Adopted : VolumeReason.Formatted, (adopted ? "adopted OCFS2 "
        : "formatted OCFS2 ") + f.getUuid() + " on node " + f.getNode() + " at " + f.getTime());
  }

  public VolumeAssessment formatted(VolumeReason reason, String message) {
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

  public VolumeAssessment growth(boolean growing, VolumeReason reason, String message) {
    growth = new Growth(growing, reason, message);
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
  public Optional<String> timeoutsNotApplied() { return Optional.ofNullable(timeoutsNotApplied); }
  public Optional<VolumeReason> formattedReason() { return Optional.ofNullable(formattedReason); }
  public Optional<String> formattedMessage() { return Optional.ofNullable(formattedMessage); }
  public Optional<String> persistentVolume() { return Optional.ofNullable(persistentVolume); }
  public Optional<String> slotsProblem() { return Optional.ofNullable(slotsProblem); }
  public Optional<Growth> growth() { return Optional.ofNullable(growth); }
  public List<NodeVolumeStatus> nodes() { return List.copyOf(nodes); }
}
