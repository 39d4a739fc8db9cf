package io.ocfs2iscsi.operator.desired;

import io.fabric8.kubernetes.api.model.Quantity;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * When and where a volume grows. The PersistentVolume's capacity is what the volume has; the spec's capacity is what
 * the user asks. A larger spec is a growth: every node that mounts the volume rescans its sessions and resizes its
 * map, and once each of them shows a LUN at least that large, one of them grows the filesystem online. A smaller
 * spec is refused (OCFS2 cannot shrink, and nothing is ever taken from under the data).
 */
public final class VolumeGrowth {

  public static final String FIELD = "spec.persistentVolume.capacity";

  private VolumeGrowth() {}

  /** What a capacity change asks for. */
  public sealed interface Change permits None, Grow, Shrink {}

  /** The PV already has the requested capacity. */
  public record None() implements Change {}

  public record Grow(String requested, long requestedBytes, String current) implements Change {}

  /** Refused; the message names the field and the rule. */
  public record Shrink(String message) implements Change {}

  /** The change between the PV's capacity ({@code current}, empty: no PV yet) and the spec's. */
  public static Change change(String requested, Optional<Quantity> current) {
    if (current.isEmpty()) {
      return new None();
    }
    BigDecimal want = Quantity.getAmountInBytes(new Quantity(requested));
    BigDecimal have = Quantity.getAmountInBytes(current.get());
    int c = want.compareTo(have);
    if (c == 0) {
      return new None();
    }
    String now = current.get().toString();
    if (c < 0) {
      return new Shrink(FIELD + ": " + requested + " is smaller than the volume's current capacity " + now
          + "; a volume only grows (OCFS2 cannot shrink a filesystem): set it to " + now + " or more");
    }
    return new Grow(requested, want.longValue(), now);
  }

  /** After every mounting node's rescan: wait for the SAN, or grow on {@code node}. */
  public sealed interface Next permits WaitForLun, GrowOn {}

  public record WaitForLun(String message) implements Next {}

  public record GrowOn(String node) implements Next {}

  /**
   * {@code mapBytes}: the size of the volume's map on each mounting node after its rescan, in the members' order.
   * Grows on the first of them once every map holds the requested size; a map below it is the SAN's turn.
   */
  public static Next next(Grow grow, Map<String, Long> mapBytes) {
    List<String> small = mapBytes.entrySet().stream().filter(e -> e.getValue() < grow.requestedBytes())
        .map(e -> e.getKey() + " " + e.getValue() + " bytes").toList();
    if (!small.isEmpty()) {
      return new WaitForLun(FIELD + " asks for " + grow.requested() + " (" + grow.requestedBytes() + " bytes) but"
          + " after a rescan the LUN is smaller on " + String.join(", ", small) + ": grow the LUN on the SAN first;"
          + " the volume stays at " + grow.current() + " until then");
    }
    return new GrowOn(mapBytes.keySet().iterator().next());
  }

  /** The Grown event's text: who grew it and what every node sees now. */
  public static String grown(Grow grow, String node, Map<String, Long> filesystemBytes) {
    return "node " + node + " grew the filesystem online; the nodes that mount it see "
        + filesystemBytes.entrySet().stream().map(e -> e.getKey() + " " + e.getValue() + " bytes")
            .collect(Collectors.joining(", "))
        + "; PersistentVolume capacity " + grow.current() + " -> " + grow.requested();
  }
}
