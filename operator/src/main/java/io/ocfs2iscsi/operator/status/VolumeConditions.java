package io.ocfs2iscsi.operator.status;

import io.fabric8.kubernetes.api.model.Condition;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * Conditions of an IscsiSharedVolume: Ready (formatted, published, no blocker, every member can do I/O), Formatted,
 * Published, Degraded (a filesystem went read-only, or a path, session or node agent is down), TimeoutsCoherent.
 *
 * <p>Like a Deployment that stays Available while it is Progressing, a volume stays Ready while it is Degraded as
 * long as every member still does I/O: each mounting node has at least one active path. Ready goes False when a
 * mounting node's filesystem went read-only on its own, when a mounting node has no active path (its I/O queues or
 * fails), or when a member's node agent cannot be reached (the operator cannot tell that node's I/O from a dead
 * node's, and that node cannot stage the volume for new pods either).
 */
public final class VolumeConditions {

  public static final String READY = "Ready";
  public static final String FORMATTED = "Formatted";
  public static final String PUBLISHED = "Published";
  public static final String DEGRADED = "Degraded";
  public static final String TIMEOUTS_COHERENT = "TimeoutsCoherent";
  public static final String GROWING = "Growing";

  private VolumeConditions() {}

  public static List<Condition> of(VolumeAssessment a) {
    List<Condition> out = new ArrayList<>();
    Degradation degraded = degradation(a.nodes());
    boolean formatted = a.formattedReason().isPresent();
    boolean published = a.persistentVolume().isPresent();

    if (a.blocker().isPresent()) {
      VolumeAssessment.Blocker b = a.blocker().get();
      out.add(Conditions.of(READY, false, b.reason(), b.message()));
    } else if (a.slotsProblem().isPresent()) {
      out.add(Conditions.of(READY, false, VolumeReason.NodeSlotsExceeded, a.slotsProblem().get()));
    } else if (!formatted || !published) {
      out.add(Conditions.of(READY, false, VolumeReason.Publishing, "waiting for the format and the PersistentVolume"));
    } else if (degraded != null && degraded.stopsIo()) {
      out.add(Conditions.of(READY, false, degraded.reason(), degraded.message()));
    } else {
      long mounted = a.nodes().stream().filter(NodeHealthViews::mounted).count();
      String serving = degraded == null ? " with all paths active"
          : ", each with at least one active path; degraded: see the Degraded condition";
      out.add(Conditions.of(READY, true, VolumeReason.Ready, "formatted and published as PersistentVolume "
          + a.persistentVolume().get() + "; " + mounted + " node(s) mount it" + serving));
    }

    if (formatted) {
      out.add(Conditions.of(FORMATTED, true, a.formattedReason().get(), a.formattedMessage().orElse("")));
    } else {
      VolumeReason reason = a.blocker().map(VolumeAssessment.Blocker::reason).orElse(VolumeReason.NotFormatted);
      String message = a.blocker().map(VolumeAssessment.Blocker::message).orElse("not formatted yet");
      out.add(Conditions.of(FORMATTED, false, reason, message));
    }
    out.add(published
        ? Conditions.of(PUBLISHED, true, VolumeReason.PersistentVolumeCreated,
            "PersistentVolume " + a.persistentVolume().get())
        : Conditions.of(PUBLISHED, false, VolumeReason.NotPublished, "published once formatted"));
    out.add(degraded == null
        ? Conditions.of(DEGRADED, false, VolumeReason.AllPathsUp, "every node that mounts the volume has all its paths")
        : Conditions.of(DEGRADED, true, degraded.reason(), degraded.message()));
    if (a.timeoutWarning().isPresent()) {
      out.add(Conditions.of(TIMEOUTS_COHERENT, false, VolumeReason.TimeoutsIncoherent, a.timeoutWarning().get()
          + a.timeoutsNotApplied().map(m -> "; " + m).orElse("")));
    } else if (a.timeoutsNotApplied().isPresent()) {
      out.add(Conditions.of(TIMEOUTS_COHERENT, false, VolumeReason.TimeoutsNotApplied, a.timeoutsNotApplied().get()
          + a.timeoutSummary().map(m -> "; with the values in effect " + m).orElse("")));
    } else if (a.timeoutSummary().isPresent()) {
      out.add(Conditions.of(TIMEOUTS_COHERENT, true, VolumeReason.WithinDeadTime, a.timeoutSummary().get()));
    }
    a.growth().ifPresent(g -> out.add(Conditions.of(GROWING, g.growing(), g.reason(), g.message())));
    return out;
  }

  /**
   * The conditions of a volume whose deletion waits for its bound claim: Ready=False ClaimStillBound first, the
   * others as they were.
   */
  public static List<Condition> deleting(List<Condition> current, String message) {
    List<Condition> out = new ArrayList<>(current.stream().filter(c -> !READY.equals(c.getType())).toList());
    out.add(0, Conditions.of(READY, false, VolumeReason.ClaimStillBound, message));
    return out;
  }

  /** The worst problem among the members; stopsIo when some member cannot do I/O (then Ready is False). */
  record Degradation(VolumeReason reason, String message, boolean stopsIo) {}

  /**
   * The worst problem among the member nodes: a disk heartbeat that is not written (the node fences itself when the
   * dead time ends), a filesystem that went read-only, an unreachable agent, then a
   * mounting node without any active path, then a lost node, then a missing session, then a failed path.
   */
  static Degradation degradation(List<NodeVolumeStatus> nodes) {
    List<String> fencing = new ArrayList<>();
    List<String> readOnly = new ArrayList<>();
    List<String> unreachable = new ArrayList<>();
    List<String> lost = new ArrayList<>();
    List<String> noPath = new ArrayList<>();
    List<String> sessions = new ArrayList<>();
    List<String> paths = new ArrayList<>();
    for (NodeVolumeStatus n : nodes) {
      if (NodeHealthViews.lost(n)) {
        lost.add(n.getNode() + " (" + String.join("; ", n.getProblems()) + ")");
        continue;
      }
      if (!NodeHealthViews.reachable(n)) {
        unreachable.add(n.getNode() + " (" + String.join("; ", n.getProblems()) + ")");
        continue;
      }
      if (!NodeHealthViews.mounted(n)) {
        continue;
      }
      if (NodeHealthViews.heartbeatFailing(n)) {
        fencing.add(n.getNode() + " in " + n.getFencesInSeconds() + " s");
      }
      if (NodeHealthViews.wentReadOnly(n)) {
        readOnly.add(n.getNode());
      }
      n.getSessions().stream().filter(s -> !NodeHealthViews.LOGGED_IN.equals(s.getState()))
          .forEach(s -> sessions.add(n.getNode() + ": session on " + s.getPortal() + " is " + s.getState()));
      if (n.getPaths().getActive() == 0) {
        noPath.add(n.getNode() + ": 0 of " + Math.max(n.getPaths().getFailed(), n.getSessions().size())
            + " paths active, its I/O is queued or failing");
      } else if (n.getPaths().getFailed() > 0 || n.getPaths().getActive() < n.getSessions().size()) {
        paths.add(n.getNode() + ": " + n.getPaths().getActive() + " of "
            + Math.max(n.getPaths().getActive() + n.getPaths().getFailed(), n.getSessions().size()) + " paths active");
      }
    }
    if (!fencing.isEmpty()) {
      return new Degradation(VolumeReason.HeartbeatFailing, "o2cb disk heartbeat not written (the SAN does not"
          + " answer): o2cb fences (restarts) " + String.join(", ", fencing) + " unless the SAN answers again; every"
          + " pod on that node goes with it, also those that do not use the volume", true);
    }
    if (!readOnly.isEmpty()) {
      return new Degradation(VolumeReason.FilesystemReadOnly, String.join(", ", readOnly) + ": the filesystem went"
          + " read-only (OCFS2 remounts it after I/O errors or a journal abort), writes there fail: check the SAN and"
          + " the node's kernel log (dmesg), then make the node unmount and stage it again: delete the pods that use"
          + " the volume on that node (or drain and reboot it)", true);
    }
    if (!unreachable.isEmpty()) {
      return new Degradation(VolumeReason.NodeUnreachable,
          "node agent unreachable on " + String.join(", ", unreachable), true);
    }
    if (!noPath.isEmpty()) {
      return new Degradation(VolumeReason.NoActivePath, String.join("; ", noPath), true);
    }
    if (!lost.isEmpty()) {
      // The others go on once o2cb declared the lost node dead and recovered its journal: Ready stays True.
      return new Degradation(VolumeReason.NodeLost, "lost: " + String.join(", ", lost) + ". If the node is powered"
          + " off for good, mark it: kubectl taint nodes NODE " + io.ocfs2iscsi.operator.desired.NodeLoss.OUT_OF_SERVICE
          + "=nodeshutdown:NoExecute", false);
    }
    if (!sessions.isEmpty()) {
      return new Degradation(VolumeReason.SessionDown, String.join("; ", sessions), false);
    }
    if (!paths.isEmpty()) {
      return new Degradation(VolumeReason.PathDown, String.join("; ", paths), false);
    }
    return null;
  }
}
