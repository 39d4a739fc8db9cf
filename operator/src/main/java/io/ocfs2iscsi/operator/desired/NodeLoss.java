package io.ocfs2iscsi.operator.desired;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeCondition;
import io.fabric8.kubernetes.api.model.Taint;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

/**
 * A member node that is lost, and one an administrator marked gone. A node is lost while its Node is not Ready
 * (kubelet stopped posting: Unknown; or NotReady) or deleted: it may be dead, or cut off and still writing its disk
 * heartbeat, so its o2cb number stays held. It is marked gone by Kubernetes' non-graceful node shutdown: the
 * {@value #OUT_OF_SERVICE} taint with effect NoExecute, which the administrator sets after making sure the node is
 * powered off.
 */
public final class NodeLoss {

  /** The taint of Kubernetes' non-graceful node shutdown. */
  public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

  private NodeLoss() {}

  /** Why the node counts as lost (its Node is not Ready, or gone); empty while it is Ready. */
  public static Optional<String> lost(Node node) {
    if (node == null) {
      return Optional.of("its Node object is gone");
    }
    if (ClusterNodes.ready(node)) {
      return Optional.empty();
    }
    List<NodeCondition> conditions = node.getStatus() == null || node.getStatus().getConditions() == null
        ? List.of() : node.getStatus().getConditions();
    return Optional.of(conditions.stream().filter(c -> "Ready".equals(c.getType())).findFirst()
        .map(c -> "Node Ready=" + c.getStatus() + (c.getReason() == null ? "" : " (" + c.getReason() + ")")
            + (c.getLastTransitionTime() == null ? "" : " since " + c.getLastTransitionTime()))
        .orElse("Node has no Ready condition"));
  }

  /** The node's out-of-service taint (effect NoExecute), if it carries one. */
  public static Optional<Taint> outOfServiceTaint(Node node) {
    if (node == null || node.getSpec() == null || node.getSpec().getTaints() == null) {
      return Optional.empty();
    }
    return node.getSpec().getTaints().stream()
        .filter(t -> OUT_OF_SERVICE.equals(t.getKey()) && "NoExecute".equals(t.getEffect()))
        .findFirst();
  }

  /**
   * Since when the node is marked out of service: the taint's timeAdded when the API server recorded one, else
   * {@code firstSeen} (when the operator saw the taint first), else {@code now}.
   */
  public static Instant markedSince(Taint taint, Optional<Instant> firstSeen, Instant now) {
    Optional<Instant> added = Optional.ofNullable(taint.getTimeAdded()).flatMap(NodeLoss::parse);
    return added.or(() -> firstSeen).orElse(now);
  }

  /**
   * Whether a node marked out of service since {@code since} gives its o2cb number back. Only after o2cb's dead time
   * has passed since the mark: until then the survivors' heartbeat threads may not have declared it dead yet, and it
   * is that declaration which makes one of them recover the dead node's journal (replay what it had acknowledged)
   * and its DLM locks. Removing the node from their o2cb configuration earlier would stop them watching its
   * heartbeat slot before the recovery starts, and a node given the same number would write into a slot whose
   * owner's journal was never replayed.
   */
  public static boolean releasable(Instant since, Instant now, int deadTimeSeconds) {
    return !now.isBefore(since.plus(Duration.ofSeconds(deadTimeSeconds)));
  }

  /** Time left until {@link #releasable}; zero once it is. */
  public static Duration untilReleasable(Instant since, Instant now, int deadTimeSeconds) {
    Duration left = Duration.between(now, since.plus(Duration.ofSeconds(deadTimeSeconds)));
    return left.isNegative() ? Duration.ZERO : left;
  }

  public static Optional<Instant> parse(String timestamp) {
    if (timestamp == null || timestamp.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(timestamp));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }
}
