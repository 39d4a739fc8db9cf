package io.ocfs2iscsi.operator.reconcile;

import io.ocfs2iscsi.contract.Sha256;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ocfs2iscsi.contract.FormatDeadlines;
import io.ocfs2iscsi.operator.desired.LunClaims.Lun;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Lease per LUN (target IQN + LUN) that guards FormatVolume: whoever holds it may format; anyone else waits until
 * it expires. It is keyed by the LUN, not by the volume, so two volumes naming one LUN share it. Taking it over uses
 * the Lease's resourceVersion, so two operators (or an operator restarted in the middle of a format) can never both
 * call FormatVolume for the same LUN at the same time; the holder renews it while its call runs. The node agent's own
 * probe (never format over a signature) is the second guard.
 */
public final class FormatLease {

  private static final Logger LOG = LoggerFactory.getLogger(FormatLease.class);
  static final String VOLUME_LABEL = "ocfs2iscsi.io/volume";

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

  /** The holder of the LUN's lease, when someone else holds it and it has not expired. */
  public record Held(String lease, String holder, ZonedDateTime until) {}

  /** Takes or renews the LUN's lease for a volume; empty when it is ours now, else who holds it. */
  public Optional<Held> acquire(Lun lun, String volume) {
    String name = leaseName(lun);
    ZonedDateTime now = now();
    Lease current = client.leases().inNamespace(namespace).withName(name).get();
    try {
      if (current == null) {
        client.leases().inNamespace(namespace).resource(new LeaseBuilder()
            .withNewMetadata().withName(name).withNamespace(namespace)
              .addToLabels("app.kubernetes.io/managed-by", "iscsi-ocfs2-operator")
              .addToLabels(VOLUME_LABEL, volume)
              .addToAnnotations("ocfs2iscsi.io/target", lun.iqn())
              .addToAnnotations("ocfs2iscsi.io/lun", String.valueOf(lun.lun()))
            .endMetadata()
            .withNewSpec().withHolderIdentity(identity).withLeaseDurationSeconds((int) duration.toSeconds())
              .withAcquireTime(now).withRenewTime(now).endSpec()
            .build()).create();
        return Optional.empty();
      }
      String holder = current.getSpec().getHolderIdentity();
      ZonedDateTime until = expiry(current, now);
      if (!identity.equals(holder) && holder != null && !holder.isEmpty() && now.isBefore(until)) {
        return Optional.of(new Held(name, holder, until));
      }
      if (!identity.equals(holder)) {
        LOG.info("format lease {} of {} taken over from {} (expired {})", name, lun, holder, until);
        current.getSpec().setAcquireTime(now);
      }
      current.getSpec().setHolderIdentity(identity);
      current.getSpec().setRenewTime(now);
      current.getSpec().setLeaseDurationSeconds((int) duration.toSeconds());
      Map<String, String> labels = new java.util.LinkedHashMap<>(
          current.getMetadata().getLabels() == null ? Map.of() : current.getMetadata().getLabels());
      labels.put(VOLUME_LABEL, volume);
      current.getMetadata().setLabels(labels);
      // update() sends the resourceVersion we read: a concurrent taker makes this fail with 409.
      client.leases().inNamespace(namespace).resource(current).update();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        return Optional.of(new Held(name, "another operator", now.plus(duration)));
      }
      throw e;
    }
  }

  /** A running renewal; closing it stops the renewals (the Lease then expires on its own). */
  public static final class Renewal implements AutoCloseable {
    private final ScheduledFuture<?> task;

    private Renewal(ScheduledFuture<?> task) {
      this.task = task;
    }

    @Override
    public void close() {
      task.cancel(false);
    }
  }

  /**
   * Renews the LUN's lease every third of its duration until the returned handle is closed: FormatVolume can run for
   * minutes, and an unrenewed lease would let another operator take it over while mkfs still runs.
   */
  public Renewal keepRenewed(Lun lun, ScheduledExecutorService scheduler) {
    String name = leaseName(lun);
    long every = FormatDeadlines.renewalInterval(duration).toMillis();
    return new Renewal(scheduler.scheduleAtFixedRate(() -> renew(name), every, every, TimeUnit.MILLISECONDS));
  }

  private void renew(String name) {
    try {
      Lease current = client.leases().inNamespace(namespace).withName(name).get();
      if (current == null || !identity.equals(current.getSpec().getHolderIdentity())) {
        LOG.warn("format lease {} is no longer held by {} (holder {}); not renewed", name, identity,
            current == null ? "none" : current.getSpec().getHolderIdentity());
        return;
      }
      current.getSpec().setRenewTime(now());
      client.leases().inNamespace(namespace).resource(current).update();
    } catch (RuntimeException e) {
      // The next period tries again; two more attempts fit into the lease's duration.
      LOG.warn("format lease {} not renewed: {}", name, e.getMessage());
    }
  }

  /** Drops the LUN's lease when this volume was the last to take it (a refused twin must not drop the owner's). */
  public void release(Lun lun, String volume) {
    Lease current = client.leases().inNamespace(namespace).withName(leaseName(lun)).get();
    Map<String, String> labels = current == null ? null : current.getMetadata().getLabels();
    if (labels != null && volume.equals(labels.get(VOLUME_LABEL))) {
      client.leases().inNamespace(namespace).resource(current).delete();
    }
  }

  /** {@code isv-format-} and 16 hex digits of SHA-256 over the lowercase IQN and the LUN: stable and DNS-safe. */
  public static String leaseName(Lun lun) {
    return "isv-format-" + Sha256.hexPrefix(lun.iqn() + "/" + lun.lun(), 8);
  }

  private ZonedDateTime now() {
    return ZonedDateTime.now(clock.withZone(ZoneOffset.UTC));
  }

  private static ZonedDateTime expiry(Lease lease, ZonedDateTime now) {
    ZonedDateTime renewed = lease.getSpec().getRenewTime() != null ? lease.getSpec().getRenewTime() : now;
    int seconds = lease.getSpec().getLeaseDurationSeconds() == null ? 0 : lease.getSpec().getLeaseDurationSeconds();
    return renewed.plusSeconds(seconds);
  }
}
