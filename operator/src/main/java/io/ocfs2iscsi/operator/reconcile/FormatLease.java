package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Lease per volume that guards FormatVolume: whoever holds it may format; anyone else waits until it expires.
 * Taking it over uses the Lease's resourceVersion, so two operators (or an operator restarted in the middle of a
 * format) can never both call FormatVolume for the same volume at the same time. The node agent's own probe
 * (never format over a signature) is the second guard.
 */
public final class FormatLease {

  private static final Logger LOG = LoggerFactory.getLogger(FormatLease.class);

  private final KubernetesClient client;
  private final String namespace;
  private final String identity;
  private final Duration duration;
  private final Clock clock;

  public FormatLease(KubernetesClient client, String namespace, String identity, Duration duration, Clock clock) {
    this.client = client;
    this.namespace = namespace;
    this.identity = identity;
    this.duration = duration;
    this.clock = clock;
  }

  /** The holder of the volume's lease, when someone else holds it and it has not expired. */
  public record Held(String holder, ZonedDateTime until) {}

  /** Takes or renews the lease; empty when it is ours now, else who holds it. */
  public java.util.Optional<Held> acquire(String volume) {
    String name = leaseName(volume);
    ZonedDateTime now = ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
    Lease current = client.leases().inNamespace(namespace).withName(name).get();
    try {
      if (current == null) {
        client.leases().inNamespace(namespace).resource(new LeaseBuilder()
            .withNewMetadata().withName(name).withNamespace(namespace)
              .addToLabels("app.kubernetes.io/managed-by", "iscsi-ocfs2-operator")
              .addToLabels("ocfs2iscsi.io/volume", volume)
            .endMetadata()
            .withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds((int) duration.toSeconds())
              .withAcquireTime(now).withRenewTime(now).endSpec()
            .build()).create();
        return java.util.Optional.empty();
      }
      String holder = current.getSpec().getHolderIdentity();
      ZonedDateTime renewed = current.getSpec().getRenewTime() != null ? current.getSpec().getRenewTime() : now;
      int seconds = current.getSpec().getLeaseDurationSeconds() == null ? 0 : current.getSpec().getLeaseDurationSeconds();
      ZonedDateTime until = renewed.plusSeconds(seconds);
      if (!identity.equals(holder) && holder != null && !holder.isEmpty() && now.isBefore(until)) {
        return java.util.Optional.of(new Held(holder, until));
      }
      if (!identity.equals(holder)) {
        LOG.info("format lease of {} taken over from {} (expired {})", volume, holder, until);
        current.getSpec().setAcquireTime(now);
      }
      current.getSpec().setHolderIdentity(identity);
      current.getSpec().setRenewTime(now);
      current.getSpec().setLeaseDurationSeconds((int) duration.toSeconds());
      // update() sends the resourceVersion we read: a concurrent taker makes this fail with 409.
      client.leases().inNamespace(namespace).resource(current).update();
      return java.util.Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return java.util.Optional.of(new Held("another operator", now.plus(duration)));
      }
      throw e;
    }
  }

  /** Drops the lease (after the volume is deleted). */
  public void delete(String volume) {
    client.leases().inNamespace(namespace).withName(leaseName(volume)).delete();
  }

  static String leaseName(String volume) {
    String name = "isv-format-" + volume;
    return name.length() <= 253 ? name : name.substring(0, 253);
  }
}
