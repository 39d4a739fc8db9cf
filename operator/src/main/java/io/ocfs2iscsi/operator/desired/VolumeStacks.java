package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.contract.ClusterStackNames;
import io.ocfs2iscsi.operator.api.v1alpha1.FormattedStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import java.util.List;
import java.util.Optional;

/**
 * The cluster stack of a volume. A filesystem records the stack it was formatted for, and mounts only on that
 * stack: a formatted volume keeps the stack recorded in its status, an unformatted one takes its cluster's.
 */
public final class VolumeStacks {

  private VolumeStacks() {}

  public static ClusterStackKind of(IscsiSharedVolume volume, Ocfs2ClusterSpec cluster) {
    FormattedStatus formatted = volume.getStatus() == null ? null : volume.getStatus().getFormatted();
    return formatted == null ? kind(cluster.getStack()) : recorded(formatted);
  }

  public static ClusterStackKind kind(Ocfs2ClusterSpec.Stack stack) {
    return stack == Ocfs2ClusterSpec.Stack.USER ? ClusterStackKind.CLUSTER_STACK_USER
        : ClusterStackKind.CLUSTER_STACK_O2CB;
  }

  /** The stack a formatted volume recorded; volumes formatted before stacks were recorded are o2cb. */
  static ClusterStackKind recorded(FormattedStatus formatted) {
    return ClusterStackNames.of(Optional.ofNullable(formatted.getClusterStack()).orElse(ClusterStackNames.O2CB))
        .orElse(ClusterStackKind.CLUSTER_STACK_O2CB);
  }

  /** Why the cluster must not run {@code spec.stack}: formatted volumes of it record another stack. */
  public static Optional<String> changeRefusal(Ocfs2ClusterSpec spec, List<IscsiSharedVolume> ofCluster) {
    ClusterStackKind wanted = kind(spec.getStack());
    List<String> other = ofCluster.stream()
        .filter(v -> v.getStatus() != null && v.getStatus().getFormatted() != null)
        .filter(v -> recorded(v.getStatus().getFormatted()) != wanted)
        .map(v -> v.getMetadata().getName())
        .sorted()
        .toList();
    if (other.isEmpty()) {
      return Optional.empty();
    }
    String to = ClusterStackNames.name(wanted);
    String from = ClusterStackNames.name(wanted == ClusterStackKind.CLUSTER_STACK_USER
        ? ClusterStackKind.CLUSTER_STACK_O2CB : ClusterStackKind.CLUSTER_STACK_USER);
    return Optional.of("spec.stack: cannot change to " + to + " while volumes " + other + " are formatted for "
        + from + ": a filesystem mounts only on the stack it records. Set spec.stack back to " + from + ". Moving a"
        + " volume to the other stack needs `o2cluster -u` on it while no node mounts it, which the operator does"
        + " not do");
  }
}
