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
  /** The filesystem records another cluster stack than its Ocfs2Cluster's spec.stack. */
  ClusterStackChanged,
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
  // Degraded=True, worst first. The first four stop a member's I/O and make Ready=False with the same reason; with
  // the others every mounting node still has an active path and Ready stays True.
  /**
   * A mounting node's o2cb disk heartbeat is not written (its SAN does not answer): o2cb fences (restarts) it when
   * the dead time is over; the message has the seconds left. Also the Warning event of that transition.
   */
  HeartbeatFailing,
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
  // Growing (True while spec.persistentVolume.capacity is above the PersistentVolume's; False once it is not)
  /** Growing=True: the LUN is smaller than the requested capacity on a node that mounts the volume. */
  WaitingForLun,
  /** Growing=True: no node mounts the volume; the filesystem grows online on one that does. */
  WaitingForMount,
  /** Growing=True: a rescan, map resize or tunefs.ocfs2 failed on a node (named in the message); retried. */
  GrowthFailed,
  /** Growing=False: the filesystem was grown online and the PV's capacity raised. Also the event. */
  Grown,
  /** Growing=False: spec.persistentVolume.capacity is below the volume's capacity. Also the Warning event. */
  ShrinkRefused,
  // Events only
  /** The operator added node slots to the filesystem (old -> new count, how long tunefs.ocfs2 -N took). */
  NodeSlotsAdded,
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
  /**
   * Degraded=True (Ready stays True while the others serve) and the Warning event of that transition: a node that
   * mounted the volume is lost (its Node is not Ready and its node agent does not answer). Its o2cb number stays held
   * until it is back or marked out of service.
   */
  NodeLost,
  /** A mounting node's disk heartbeat is written again. */
  HeartbeatBack,
  /** A lost node's agent answers again. */
  NodeBack,
  /** A lost node was marked out of service and its o2cb number released. */
  NodeGone,
  /** A node agent answers again. */
  NodeReachable,
  /** A mounting node lost a path (Warning). */
  PathLost,
  /** A mounting node's path is back. */
  PathBack,
  /** The finalizer was removed. */
  Deleted
}
