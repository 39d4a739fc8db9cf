package io.ocfs2iscsi.operator.status;

/**
 * A reason of a condition or an event: {@link ClusterReason} for an Ocfs2Cluster, {@link VolumeReason} for an
 * IscsiSharedVolume. The constant's name is the reason users see (README, "Troubleshooting by condition").
 */
public interface Reason {

  /** The reason as it appears in a condition or an event. */
  String name();
}
