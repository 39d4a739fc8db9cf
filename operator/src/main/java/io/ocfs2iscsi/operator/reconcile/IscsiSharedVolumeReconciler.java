package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ocfs2iscsi.agent.v1.FormatVolumeRequest;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.operator.agent.AgentErrors;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec.FormatPolicy;
import io.ocfs2iscsi.operator.api.v1alpha1.FormattedStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec.TimeoutCheck;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.desired.AgentVolumeSpecs;
import io.ocfs2iscsi.operator.desired.LunClaims;
import io.ocfs2iscsi.operator.desired.PersistentVolumes;
import io.ocfs2iscsi.operator.desired.TimeoutCoherence;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.operator.status.HealthTransitions;
import io.ocfs2iscsi.operator.status.NodeHealthViews;
import io.ocfs2iscsi.operator.status.VolumeAssessment;
import io.ocfs2iscsi.operator.status.VolumeConditions;
import io.ocfs2iscsi.operator.validation.ChapSecretNamespaces;
import io.ocfs2iscsi.operator.validation.IscsiSharedVolumeValidator;
import io.ocfs2iscsi.operator.validation.Violation;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IscsiSharedVolume: validate, check timeouts against the cluster's heartbeat, format once (under a Lease, on one
 * member, never over a signature), publish the PV and claim, and poll every member's health. What the administrator
 * and pacemaker did in the reference setup.
 */
@ControllerConfiguration(name = IscsiSharedVolumeReconciler.NAME)
public final class IscsiSharedVolumeReconciler implements Reconciler<IscsiSharedVolume>, Cleaner<IscsiSharedVolume> {

  public static final String NAME = "iscsisharedvolume";

  private static final Logger LOG = LoggerFactory.getLogger(IscsiSharedVolumeReconciler.class);

  private final KubernetesClient client;
  private final NodeAgents agents;
  private final ReconcileSettings settings;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final ExecutorService calls;
  private final ScheduledExecutorService renewals;
  private final FormatLease lease;
  private final ChapSecrets chap;
  private final Clock clock;
  private InformerEventSource<PersistentVolume, IscsiSharedVolume> volumes;

  public IscsiSharedVolumeReconciler(
      KubernetesClient client, NodeAgents agents, ReconcileSettings settings, EventRecorder events,
      OperatorMetrics metrics, ExecutorService calls, ScheduledExecutorService renewals, Clock clock) {
    this.client = client;
    this.agents = agents;
    this.settings = settings;
    this.events = events;
    this.metrics = metrics;
    this.calls = calls;
    this.renewals = renewals;
    this.clock = clock;
    this.lease = new FormatLease(client, settings.namespace(), settings.identity(), settings.formatLease(), clock);
    this.chap = new ChapSecrets(client);
  }

  @Override
  public List<EventSource<?, IscsiSharedVolume>> prepareEventSources(EventSourceContext<IscsiSharedVolume> context) {
    InformerEventSource<Ocfs2Cluster, IscsiSharedVolume> clusters = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Ocfs2Cluster.class, IscsiSharedVolume.class)
            .withName("clusters")
            .withSecondaryToPrimaryMapper(c -> context.getPrimaryCache()
                .list(v -> v.getSpec() != null && v.getSpec().getFilesystem() != null
                    && c.getMetadata().getName().equals(v.getSpec().getFilesystem().getClusterRef()))
                .map(ResourceID::fromResource).collect(Collectors.toSet()))
            .withPrimaryToSecondaryMapper((IscsiSharedVolume v) -> v.getSpec() == null
                || v.getSpec().getFilesystem() == null ? Set.of()
                : Set.of(new ResourceID(v.getSpec().getFilesystem().getClusterRef())))
            .withOnUpdateFilter((now, before) -> clusterChanged(before, now))
            .build(),
        context);
    volumes = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PersistentVolume.class, IscsiSharedVolume.class)
            .withName("persistentvolumes")
            .withLabelSelector(PersistentVolumes.MANAGED_BY_LABEL + "=" + PersistentVolumes.MANAGED_BY)
            .withSecondaryToPrimaryMapper(pv -> Optional.ofNullable(pv.getMetadata().getLabels())
                .map(l -> l.get(PersistentVolumes.VOLUME_LABEL)).map(n -> Set.of(new ResourceID(n))).orElse(Set.of()))
            .build(),
        context);
    return List.of(clusters, volumes);
  }

  private static boolean clusterChanged(Ocfs2Cluster before, Ocfs2Cluster now) {
    return !Objects.equals(before.getMetadata().getGeneration(), now.getMetadata().getGeneration())
        || before.getStatus() == null || now.getStatus() == null
        || StatusDiff.changed(before.getStatus().getMembers(), now.getStatus().getMembers());
  }

  @Override
  public UpdateControl<IscsiSharedVolume> reconcile(IscsiSharedVolume volume, Context<IscsiSharedVolume> context) {
    IscsiSharedVolumeStatus before =
        Optional.ofNullable(volume.getStatus()).orElseGet(IscsiSharedVolumeStatus::new);
    IscsiSharedVolumeStatus status = copyOf(before);
    VolumeAssessment assessment = new VolumeAssessment();
    Optional<Long> delay = assess(volume, context, before, status, assessment);
    finish(volume, before, status, assessment);
    if (StatusDiff.changed(volume.getStatus(), status)) {
      StatusWrites.write(volume, status, context, settings.serverSideApply(), IscsiSharedVolume::new);
    }
    UpdateControl<IscsiSharedVolume> control = UpdateControl.noUpdate();
    return delay.map(d -> control.rescheduleAfter(d, TimeUnit.SECONDS)).orElse(control);
  }

  /** The steps; returns when to look again (empty: only on a change). */
  private Optional<Long> assess(
      IscsiSharedVolume volume, Context<IscsiSharedVolume> context, IscsiSharedVolumeStatus before,
      IscsiSharedVolumeStatus status, VolumeAssessment a) {
    long poll = settings.healthPoll().toSeconds();
    // Formatted stays True whatever blocks a later step: the filesystem is there.
    if (status.getFormatted() != null) {
      FormattedStatus f = status.getFormatted();
      a.formatted(Boolean.TRUE.equals(f.getAdopted()) ? "Adopted" : "Formatted",
          (Boolean.TRUE.equals(f.getAdopted()) ? "adopted OCFS2 " : "formatted OCFS2 ") + f.getUuid() + " on node "
              + f.getNode() + " at " + f.getTime());
    }
    List<Violation> violations = IscsiSharedVolumeValidator.validate(volume);
    if (!violations.isEmpty()) {
      a.block(VolumeAssessment.INVALID_SPEC,
          violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
      return Optional.empty();
    }
    Optional<String> chapRefused = ChapSecretNamespaces.refusal(volume.getSpec().getTarget().getChapSecretRef(),
        settings.chapSecretNamespaces());
    if (chapRefused.isPresent()) {
      a.block(VolumeAssessment.CHAP_SECRET_NAMESPACE_NOT_ALLOWED, chapRefused.get());
      return Optional.empty();
    }
    Optional<LunClaims.Conflict> taken = LunClaims.conflict(volume, context.getPrimaryCache().list().toList());
    if (taken.isPresent()) {
      // Looked at again while the older volume exists: once it is gone, this one may go on.
      a.block(VolumeAssessment.LUN_IN_USE, taken.get().message());
      return Optional.of(Math.min(poll, 30));
    }
    String clusterRef = volume.getSpec().getFilesystem().getClusterRef();
    Optional<Ocfs2Cluster> found = context.getSecondaryResource(Ocfs2Cluster.class);
    if (found.isEmpty()) {
      a.block(VolumeAssessment.CLUSTER_NOT_FOUND, "spec.filesystem.clusterRef: Ocfs2Cluster " + clusterRef
          + " does not exist");
      return Optional.empty();
    }
    Ocfs2Cluster cluster = found.get();
    TimeoutCoherence.Verdict verdict =
        TimeoutCoherence.check(volume.getSpec(), cluster.getSpec().getHeartbeat().getDeadThreshold());
    a.timeouts(verdict.coherent(), verdict.message());
    if (!verdict.coherent() && volume.getSpec().getTimeoutCheck() != TimeoutCheck.Warn) {
      a.block(VolumeAssessment.TIMEOUTS_INCOHERENT, verdict.message() + " (timeoutCheck: Warn accepts the risk)");
      return Optional.empty();
    }
    String clusterName = cluster.getSpec().getClusterName();
    List<ClusterMemberStatus> members = cluster.getStatus() == null ? List.of()
        : cluster.getStatus().getMembers().stream().filter(m -> m.getState() != State.Held)
            .sorted(Comparator.comparingInt(ClusterMemberStatus::getNumber)).toList();
    List<ClusterMemberStatus> applied = members.stream().filter(m -> m.getState() == State.Applied).toList();

    if (status.getFormatted() == null) {
      if (applied.isEmpty()) {
        a.block(VolumeAssessment.CLUSTER_NOT_APPLIED, "no member of Ocfs2Cluster " + cluster.getMetadata().getName()
            + " has the o2cb cluster online yet");
        return Optional.of(Math.min(poll, 10));
      }
      if (!format(volume, clusterName, applied.get(0), status, a)) {
        return Optional.of(Math.min(poll, 30));
      }
    }

    VolumeSpec spec = AgentVolumeSpecs.of(withStatus(volume, status), clusterName);
    if (!publish(volume, cluster, spec, context, status, a)) {
      return Optional.of(Math.min(poll, 30));
    }

    int slots = volume.getSpec().getFilesystem().getNodeSlots();
    if (members.size() > slots) {
      a.slotsExceeded(members.size() + " nodes are members of Ocfs2Cluster " + cluster.getMetadata().getName()
          + " but the filesystem has " + slots + " node slots: run `tunefs.ocfs2 -N " + members.size()
          + " /dev/mapper/" + volume.effectiveAlias() + "` on one node that mounts it, then set"
          + " spec.filesystem.nodeSlots to " + members.size());
    }
    List<NodeVolumeStatus> health = health(spec, members);
    // A node that left the cluster stays in the status, marked held, for as long as the cluster holds its o2cb
    // number: its answer (mounted, not mounted, or none) is what the cluster releases the number on. It counts for
    // the volume's health only while it still mounts it.
    List<ClusterMemberStatus> held = cluster.getStatus() == null ? List.of()
        : cluster.getStatus().getMembers().stream().filter(m -> m.getState() == State.Held).toList();
    List<NodeVolumeStatus> leaving = health(spec, held);
    leaving.forEach(n -> n.setHeld(true));
    List<NodeVolumeStatus> all = new ArrayList<>(health);
    all.addAll(leaving);
    health.addAll(leaving.stream().filter(NodeHealthViews::mounted).toList());
    a.nodes(health);
    status.setNodes(all);
    for (HealthTransitions.Transition t
        : HealthTransitions.grouped(HealthTransitions.between(before.getNodes(), all))) {
      if (t.warning()) {
        events.warning(volume, t.reason(), t.message());
      } else {
        events.normal(volume, t.reason(), t.message());
      }
    }
    return Optional.of(poll);
  }

  /** Formats or adopts; returns true when the volume is formatted now. */
  private boolean format(
      IscsiSharedVolume volume, String clusterName, ClusterMemberStatus member, IscsiSharedVolumeStatus status,
      VolumeAssessment a) {
    String name = volume.getMetadata().getName();
    LunClaims.Lun lun = LunClaims.lunOf(volume).orElseThrow();
    Optional<FormatLease.Held> held = lease.acquire(lun, name);
    if (held.isPresent()) {
      a.block(VolumeAssessment.FORMAT_IN_PROGRESS, "format Lease " + held.get().lease() + " of " + lun
          + " held by " + held.get().holder() + " until " + held.get().until().truncatedTo(ChronoUnit.SECONDS)
          + "; waiting");
      return false;
    }
    boolean probeOnly = volume.getSpec().getFilesystem().getFormat() == FormatPolicy.Never;
    FormatVolumeResponse r;
    try (FormatLease.Renewal renewal = lease.keepRenewed(lun, renewals)) {
      r = agents.at(member.getNodeName(), member.getAgentEndpoint())
          .withDeadlineAfter(settings.formatTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .formatVolume(FormatVolumeRequest.newBuilder()
              .setVolume(AgentVolumeSpecs.of(volume, clusterName))
              .putAllSecrets(chap.read(volume.getSpec().getTarget().getChapSecretRef()))
              .setProbeOnly(probeOnly)
              .build());
    } catch (RuntimeException e) {
      blockOnce(volume, a, VolumeAssessment.FORMAT_FAILED, "FormatVolume on node " + member.getNodeName() + ": "
          + AgentErrors.describe(e));
      return false;
    }
    String now = clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    String expectedLabel = volume.getSpec().getFilesystem().getLabel();
    switch (r.getOutcome()) {
      case FORMATTED -> {
        status.setFormatted(new FormattedStatus(r.getUuid(), member.getNodeName(), now, false));
        status.setWwid(r.getWwid());
        metrics.formatted();
        events.normal(volume, "Formatted", "node " + member.getNodeName() + " formatted " + r.getDevice()
            + " with OCFS2 " + r.getUuid());
        a.formatted("Formatted", "formatted OCFS2 " + r.getUuid() + " on node " + member.getNodeName() + " at " + now);
        return true;
      }
      case EXISTING_OCFS2 -> {
        boolean labelOk = expectedLabel == null || expectedLabel.equals(r.getLabel());
        boolean clusterOk = r.getClusterName().isEmpty() || clusterName.equals(r.getClusterName());
        if (labelOk && clusterOk) {
          status.setFormatted(new FormattedStatus(r.getUuid(), member.getNodeName(), now, true));
          status.setWwid(r.getWwid());
          events.normal(volume, "Adopted", "node " + member.getNodeName() + " found OCFS2 " + r.getUuid()
              + " (label '" + r.getLabel() + "') on " + r.getDevice() + "; adopted, nothing written");
          a.formatted("Adopted", "adopted OCFS2 " + r.getUuid() + " on node " + member.getNodeName() + " at " + now);
          return true;
        }
        String message = r.getDevice() + " carries OCFS2 labelled '" + r.getLabel() + "' of cluster '"
            + r.getClusterName() + "', expected label '" + (expectedLabel == null ? "(any)" : expectedLabel)
            + "' of cluster '" + clusterName + "'; nothing was written";
        blockOnce(volume, a, VolumeAssessment.FOREIGN_SIGNATURE, message);
        return false;
      }
      case FOREIGN_SIGNATURE -> {
        blockOnce(volume, a, VolumeAssessment.FOREIGN_SIGNATURE, r.getDevice() + " on node " + member.getNodeName()
            + " carries " + r.getFoundSignature() + "; nothing was written");
        return false;
      }
      case BLANK -> {
        a.block(VolumeAssessment.WAITING_FOR_FILESYSTEM, "format: Never and " + r.getDevice() + " carries no"
            + " filesystem yet; format it yourself or set spec.filesystem.format to IfUnformatted");
        return false;
      }
      default -> {
        a.block(VolumeAssessment.FORMAT_FAILED, "FormatVolume answered " + r.getOutcome() + ": " + r.getMessage());
        return false;
      }
    }
  }

  private void blockOnce(IscsiSharedVolume volume, VolumeAssessment a, String reason, String message) {
    a.block(reason, message);
    String was = volume.getStatus() == null ? "" : Conditions.reason(volume.getStatus().getConditions(),
        VolumeConditions.READY);
    if (!reason.equals(was)) {
      events.warning(volume, reason, message);
    }
  }

  /** Creates the PV (and claim) when missing; returns false when publishing is blocked. */
  private boolean publish(
      IscsiSharedVolume volume, Ocfs2Cluster cluster, VolumeSpec spec, Context<IscsiSharedVolume> context,
      IscsiSharedVolumeStatus status, VolumeAssessment a) {
    String pvName = PersistentVolumes.name(volume);
    Optional<PersistentVolume> cached = volumes.get(new ResourceID(pvName));
    PersistentVolume existing = cached.orElseGet(() -> client.persistentVolumes().withName(pvName).get());
    if (existing != null && !ours(existing, volume)) {
      a.block("PersistentVolumeConflict", "PersistentVolume " + pvName + " exists and does not belong to this"
          + " volume; set spec.persistentVolume.name");
      return false;
    }
    if (existing == null) {
      write(PersistentVolumes.volume(volume, cluster, spec));
      events.normal(volume, "Published", "PersistentVolume " + pvName + " created");
    }
    Optional<PersistentVolumeClaim> claim = PersistentVolumes.claim(volume);
    boolean bound = existing != null && existing.getStatus() != null && "Bound".equals(existing.getStatus().getPhase());
    if (claim.isPresent() && !bound) {
      PersistentVolumeClaim c = claim.get();
      if (client.persistentVolumeClaims().inNamespace(c.getMetadata().getNamespace())
          .withName(c.getMetadata().getName()).get() == null) {
        write(c);
        events.normal(volume, "ClaimCreated", "PersistentVolumeClaim " + c.getMetadata().getNamespace() + "/"
            + c.getMetadata().getName() + " pre-bound to " + pvName);
      }
    }
    status.setPersistentVolumeName(pvName);
    a.published(pvName);
    return true;
  }

  private static boolean ours(PersistentVolume pv, IscsiSharedVolume volume) {
    Map<String, String> labels = pv.getMetadata().getLabels();
    return labels != null && volume.getMetadata().getName().equals(labels.get(PersistentVolumes.VOLUME_LABEL));
  }

  private void write(HasMetadata desired) {
    try {
      if (settings.serverSideApply()) {
        client.resource(desired).fieldManager(ReconcileSettings.FIELD_MANAGER).forceConflicts().serverSideApply();
      } else {
        client.resource(desired).create();
      }
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  private List<NodeVolumeStatus> health(VolumeSpec spec, List<ClusterMemberStatus> members) {
    GetVolumeHealthRequest request = GetVolumeHealthRequest.newBuilder().setVolume(spec).build();
    Map<String, CompletableFuture<NodeVolumeStatus>> polls = new LinkedHashMap<>();
    for (ClusterMemberStatus m : members) {
      String node = m.getNodeName();
      String endpoint = m.getAgentEndpoint();
      polls.put(node, CompletableFuture.supplyAsync(() -> {
        if (endpoint == null) {
          return NodeHealthViews.unreachable(node, "no agent address known");
        }
        try {
          return NodeHealthViews.of(node, agents.at(node, endpoint)
              .withDeadlineAfter(settings.agentTimeout().toMillis(), TimeUnit.MILLISECONDS)
              .getVolumeHealth(request));
        } catch (RuntimeException e) {
          return NodeHealthViews.unreachable(node, AgentErrors.describe(e));
        }
      }, calls));
    }
    List<NodeVolumeStatus> out = new ArrayList<>();
    polls.values().forEach(f -> out.add(f.join()));
    return out;
  }

  private void finish(
      IscsiSharedVolume volume, IscsiSharedVolumeStatus before, IscsiSharedVolumeStatus status, VolumeAssessment a) {
    status.setObservedGeneration(volume.getMetadata().getGeneration());
    status.setPaths(NodeHealthViews.pathsColumn(status.getNodes()));
    status.setNodesMounted((int) status.getNodes().stream().filter(NodeHealthViews::mounted).count());
    status.setConditions(Conditions.merge(before.getConditions(), VolumeConditions.of(a),
        volume.getMetadata().getGeneration(), clock.instant()));
    int up = status.getNodes().stream().filter(NodeHealthViews::mounted).mapToInt(n -> n.getPaths().getActive()).sum();
    int down = status.getNodes().stream().filter(NodeHealthViews::mounted).mapToInt(n -> n.getPaths().getFailed())
        .sum();
    metrics.volumePaths(volume.getMetadata().getName(), up, down);
    String reason = Conditions.reason(status.getConditions(), VolumeConditions.READY);
    String wasReason = Conditions.reason(before.getConditions(), VolumeConditions.READY);
    if (!reason.equals(wasReason) && (VolumeAssessment.INVALID_SPEC.equals(reason)
        || VolumeAssessment.TIMEOUTS_INCOHERENT.equals(reason) || VolumeAssessment.CLUSTER_NOT_FOUND.equals(reason)
        || VolumeAssessment.NODE_SLOTS_EXCEEDED.equals(reason) || VolumeAssessment.LUN_IN_USE.equals(reason)
        || VolumeAssessment.CHAP_SECRET_NAMESPACE_NOT_ALLOWED.equals(reason))) {
      events.warning(volume, reason, Conditions.find(status.getConditions(), VolumeConditions.READY).get()
          .getMessage());
    }
    boolean warnedBefore = Conditions.find(before.getConditions(), VolumeConditions.TIMEOUTS_COHERENT)
        .map(c -> "False".equals(c.getStatus())).orElse(false);
    if (a.timeoutWarning().isPresent() && !VolumeAssessment.TIMEOUTS_INCOHERENT.equals(reason) && !warnedBefore) {
      events.warning(volume, VolumeAssessment.TIMEOUTS_INCOHERENT, a.timeoutWarning().get());
    }
  }

  @Override
  public DeleteControl cleanup(IscsiSharedVolume volume, Context<IscsiSharedVolume> context) {
    String pvName = volume.getStatus() == null || volume.getStatus().getPersistentVolumeName() == null
        ? PersistentVolumes.name(volume) : volume.getStatus().getPersistentVolumeName();
    PersistentVolume pv = client.persistentVolumes().withName(pvName).get();
    if (pv != null && ours(pv, volume) && pv.getStatus() != null && "Bound".equals(pv.getStatus().getPhase())
        && pv.getSpec().getClaimRef() != null) {
      String claim = pv.getSpec().getClaimRef().getNamespace() + "/" + pv.getSpec().getClaimRef().getName();
      String message = "deletion waits: PersistentVolume " + pvName + " is bound to claim " + claim
          + "; delete the claim (and the pods using it) to finish; the data on the LUN is never touched";
      boolean first = !VolumeAssessment.CLAIM_STILL_BOUND.equals(
          volume.getStatus() == null ? "" : Conditions.reason(volume.getStatus().getConditions(),
              VolumeConditions.READY));
      if (first) {
        IscsiSharedVolumeStatus status = copyOf(Optional.ofNullable(volume.getStatus())
            .orElseGet(IscsiSharedVolumeStatus::new));
        List<io.fabric8.kubernetes.api.model.Condition> desired = new ArrayList<>(status.getConditions().stream()
            .filter(c -> !VolumeConditions.READY.equals(c.getType())).toList());
        desired.add(0, Conditions.of(VolumeConditions.READY, false, VolumeAssessment.CLAIM_STILL_BOUND, message));
        status.setConditions(Conditions.merge(status.getConditions(), desired, volume.getMetadata().getGeneration(),
            clock.instant()));
        try {
          StatusWrites.write(volume, status, context, settings.serverSideApply(), IscsiSharedVolume::new);
        } catch (RuntimeException e) {
          LOG.warn("{}: could not write the deletion condition: {}", volume.getMetadata().getName(), e.getMessage());
        }
        events.warning(volume, VolumeAssessment.CLAIM_STILL_BOUND, message);
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Math.min(settings.healthPoll().toMillis(), 10_000));
    }
    try {
      LunClaims.lunOf(volume).ifPresent(lun -> lease.release(lun, volume.getMetadata().getName()));
    } catch (KubernetesClientException e) {
      LOG.info("{}: format lease not deleted: {}", volume.getMetadata().getName(), e.getMessage());
    }
    metrics.volumeGone(volume.getMetadata().getName());
    events.normal(volume, "Deleted", "finalizer removed; PersistentVolume " + pvName
        + " goes with its owner (reclaim policy Retain: the LUN's data stays)");
    return DeleteControl.defaultDelete();
  }

  private static IscsiSharedVolume withStatus(IscsiSharedVolume volume, IscsiSharedVolumeStatus status) {
    IscsiSharedVolume copy = new IscsiSharedVolume();
    copy.setMetadata(volume.getMetadata());
    copy.setSpec(volume.getSpec());
    copy.setStatus(status);
    return copy;
  }

  private static IscsiSharedVolumeStatus copyOf(IscsiSharedVolumeStatus s) {
    IscsiSharedVolumeStatus c = new IscsiSharedVolumeStatus();
    c.setObservedGeneration(s.getObservedGeneration());
    c.setWwid(s.getWwid());
    c.setFormatted(s.getFormatted());
    c.setNodes(new ArrayList<>(s.getNodes()));
    c.setPaths(s.getPaths());
    c.setNodesMounted(s.getNodesMounted());
    c.setPersistentVolumeName(s.getPersistentVolumeName());
    c.setConditions(new ArrayList<>(s.getConditions()));
    return c;
  }
}
