package io.ocfs2iscsi.operator.status;

/** Every reason an Ocfs2Cluster's conditions and events carry. */
public enum ClusterReason implements Reason {
  // Ready
  /** Every member applied the current revision. */
  AllMembersApplied,
  /** A field breaks a rule (also a Warning event). */
  InvalidSpec,
  /** spec.stack differs from the stack formatted volumes of the cluster record (also a Warning event). */
  StackChangeRefused,
  /** No Ready node matches nodeSelector with the node plugin registered. */
  NoMembers,
  /** Some members are Joining or Unreachable, ApplyCluster failed on them, or a node found no free number. */
  ClusterNotApplied,
  // Prerequisites
  /** Every member has its host prerequisites. */
  AllPresent,
  /** Members lack host prerequisites (also a Warning event). */
  PrerequisitesMissing,
  // Events on member transitions
  /** A member reached Applied: it is in the o2cb cluster with its number and address. */
  NodeJoined,
  /** A member is no longer selected; its number is held. */
  NodeLeft,
  /** A member carries the out-of-service taint; its number is released after o2cb's dead time. */
  NodeOutOfService,
  /** A held number is free again. */
  NumberReleased,
  /** A member's node agent stopped answering (Warning). */
  NodeUnreachable
}
