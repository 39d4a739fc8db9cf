package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.ocfs2iscsi.operator.status.Reason;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes Events on our cluster-scoped resources (kept in the default namespace, where kubectl describe looks
 * for events of cluster-scoped objects). Failing to record an event never fails a reconcile.
 */
public final class EventRecorder {

  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  static final String COMPONENT = "iscsi-ocfs2-operator";
  static final String EVENT_NAMESPACE = "default";

  private final KubernetesClient client;
  private final String identity;
  private final Clock clock;
  private final AtomicLong sequence = new AtomicLong();

  public EventRecorder(KubernetesClient client, String identity, Clock clock) {
    this.client = client;
    this.identity = identity;
    this.clock = clock;
  }

  public void normal(HasMetadata about, Reason reason, String message) {
    record(about, "Normal", reason.name(), message);
  }

  public void warning(HasMetadata about, Reason reason, String message) {
    record(about, "Warning", reason.name(), message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    String name = about.getMetadata().getName() + "."
        + Long.toHexString(clock.millis() * 1000 + sequence.incrementAndGet() % 1000);
    try {
      client.v1().events().inNamespace(EVENT_NAMESPACE).resource(new EventBuilder()
          .withNewMetadata().withNamespace(EVENT_NAMESPACE).withName(name).endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(about.getApiVersion()).withKind(about.getKind())
              .withName(about.getMetadata().getName()).withUid(about.getMetadata().getUid()).build())
          .withType(type).withReason(reason).withMessage(message)
          .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
          .withNewSource().withComponent(COMPONENT).endSource()
          .withReportingComponent("ocfs2iscsi.io/operator").withReportingInstance(identity)
          .build()).create();
      LOG.info("{} {} {}: {} {}", type, about.getKind(), about.getMetadata().getName(), reason, message);
    } catch (KubernetesClientException e) {
      LOG.warn("could not record event {} on {}: {}", reason, about.getMetadata().getName(), e.getMessage());
    }
  }
}
