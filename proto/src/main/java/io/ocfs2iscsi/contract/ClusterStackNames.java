package io.ocfs2iscsi.contract;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import java.util.Optional;

/**
 * The cluster stacks by the names users write (Ocfs2Cluster.spec.stack, volume_context) and by the label OCFS2
 * stores on disk and in /sys/fs/ocfs2/cluster_stack.
 */
public final class ClusterStackNames {

  private ClusterStackNames() {}

  public static final String O2CB = "o2cb";
  public static final String USER = "user";
  public static final String RULE = "o2cb or user";

  /** The user-facing name of a stack. */
  public static String name(ClusterStackKind kind) {
    return kind == ClusterStackKind.CLUSTER_STACK_USER ? USER : O2CB;
  }

  /** The stack of a user-facing name; empty for anything else. */
  public static Optional<ClusterStackKind> of(String name) {
    return switch (name) {
      case O2CB -> Optional.of(ClusterStackKind.CLUSTER_STACK_O2CB);
      case USER -> Optional.of(ClusterStackKind.CLUSTER_STACK_USER);
      default -> Optional.empty();
    };
  }

  /**
   * The label mkfs.ocfs2 --cluster-stack writes and mount.ocfs2 puts into /sys/fs/ocfs2/cluster_stack: the kernel
   * treats every label but o2cb as a user stack, and ocfs2-tools knows the user stack as pcmk.
   */
  public static String diskLabel(ClusterStackKind kind) {
    return kind == ClusterStackKind.CLUSTER_STACK_USER ? "pcmk" : "o2cb";
  }
}
