package io.ocfs2iscsi.operator.status;

/** Every reason an IscsiSharedVolume's conditions and events carry. */
public enum VolumeReason implements Reason {
  // Ready=True
  /** Formatted, published, and every node that mounts it has at least one active path (see Degraded). */
  Ready,
  // Blockers: Ready=False (and Formatted=False before the format); most are also a Warning event
  InvalidSpec,
  LunInUse,
  ChapSecretNamespaceNotAllowed,
  ClusterNotFound,
  TimeoutsIncoherent,
  ClusterNotApplied,
  FormatInProgress,
  FormatFailed,
  ForeignSignature,
  WaitingForFilesystem,
  PersistentVolumeConflict,
  ClaimStillBound,
  /** Ready=False without a blocker: more members than node slots. */
  NodeSlotsExceeded,
  /** Ready=False without a blocker: the format or the PV is not recorded yet. */
  Publishing,
  // Degraded=True, worst first. The first three stop a member's I/O and make Ready=False with the same reason; with
  // the others every mounting node still has an active path and Ready stays True.
  /**
   * A mounting node's filesystem went read-only on its own (errors=remount-ro, journal abort): its writes fail until
   * it unmounts and stages the volume again. Also the Warning event of that transition.
   */
  FilesystemReadOnly,
  /** A member's node agent does not answer: its I/O is unknown and it cannot stage the volume for new pods. */
  NodeUnreachable,
  /** A node that mounts the volume has no active path: its I/O queues or fails. */
  NoActivePath,
  /** A mounting node's session is not logged in; another path still serves. */
  SessionDown,
  /** A mounting node has fewer active paths than sessions; another path still serves. */
  PathDown,
  // Degraded=False
  AllPathsUp,
  // Formatted (True: also the event of the format step)
  Formatted,
  Adopted,
  NotFormatted,
  // Published
  PersistentVolumeCreated,
  NotPublished,
  // TimeoutsCoherent=True
  WithinDeadTime,
  /**
   * TimeoutsCoherent=False (and a Warning event): a node applies other failover timeouts than the spec asks for
   * (the message names the node and the value); the check then uses the values in effect.
   */
  TimeoutsNotApplied,
  // Events only
  /** The PersistentVolume was created. */
  Published,
  /** The pre-bound claim was created. */
  ClaimCreated,
  /** A node started mounting the volume. */
  NodeMounted,
  /** A node stopped mounting the volume. */
  NodeUnmounted,
  /** A node that mounted the volume left the cluster. */
  NodeLeft,
  /** A node agent answers again. */
  NodeReachable,
  /** A mounting node lost a path (Warning). */
  PathLost,
  /** A mounting node's path is back. */
  PathBack,
  /** The finalizer was removed. */
  Deleted
}
