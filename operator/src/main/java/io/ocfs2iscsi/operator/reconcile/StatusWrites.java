package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.CustomResource;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.PrimaryUpdateAndCacheUtils;
import java.util.function.Supplier;

/**
 * Writes a status and puts the result into JOSDK's cache, so the next reconcile sees it even when another event
 * (a PV created in the same pass, a health poll) triggers it before the informer has caught up. Our statuses hold
 * state that must never be lost between two passes: the o2cb numbers, and that the volume was formatted. With a
 * plain status patch a pass on the stale cached copy would ask the node to format again (the agent's probe would
 * refuse to write, but the volume would be reported as adopted, and members renumbered).
 */
final class StatusWrites {

  private StatusWrites() {}

  static <S, P extends CustomResource<?, S>> void write(
      P primary, S status, Context<P> context, boolean serverSideApply, Supplier<P> blank) {
    if (serverSideApply) {
      P desired = blank.get();
      desired.setMetadata(new ObjectMetaBuilder().withName(primary.getMetadata().getName())
          .withNamespace(primary.getMetadata().getNamespace()).build());
      desired.setStatus(status);
      PrimaryUpdateAndCacheUtils.ssaPatchStatusAndCacheResource(primary, desired, context);
    } else {
      PrimaryUpdateAndCacheUtils.updateStatusAndCacheResource(primary, context, p -> {
        p.setStatus(status);
        return p;
      });
    }
  }
}
