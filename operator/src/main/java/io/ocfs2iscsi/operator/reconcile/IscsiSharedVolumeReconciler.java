package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.utils.Serialization;
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
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ClusterStackNames;
import io.ocfs2iscsi.operator.agent.AgentCalls;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec.TimeoutCheck;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.desired.AgentVolumeSpecs;
import io.ocfs2iscsi.operator.desired.EffectiveTimeouts;
import io.ocfs2iscsi.operator.desired.LunClaims;
import io.ocfs2iscsi.operator.desired.PersistentVolumes;
import io.ocfs2iscsi.operator.desired.TimeoutCoherence;
import io.ocfs2iscsi.operator.desired.VolumeStacks;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.operator.status.HealthTransitions;
import io.ocfs2iscsi.operator.status.NodeHealthViews;
import io.ocfs2iscsi.operator.status.VolumeAssessment;
import io.ocfs2iscsi.operator.status.VolumeConditions;
import io.ocfs2iscsi.operator.status.VolumeReason;
import io.ocfs2iscsi.operator.validation.ChapSecretNamespaces;
import io.ocfs2iscsi.operator.validation.IscsiSharedVolumeValidator;
import io.ocfs2iscsi.operator.validation.Violation;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
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

  private final AgentCalls calls;
  private final ReconcileSettings settings;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final FormatLease lease;
  private final VolumeFormatting formatting;
  private final VolumePublishing publishing;
  private final VolumeGrowing growing;
  private final VolumeSlotting slotting;
  private final Clock clock;

  public IscsiSharedVolumeReconciler(
      KubernetesClient client, NodeAgents agents, ReconcileSettings settings, EventRecorder events,
      OperatorMetrics metrics, ExecutorService calls, ScheduledExecutorService renewals, Clock clock) {
    this.calls = new AgentCalls(agents, calls);
    this.settings = settings;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
    this.lease = new FormatLease(client, settings.namespace(), settings.identity(), settings.formatLease(), clock);
    ChapSecrets chap = new ChapSecrets(client);
    this.formatting = new VolumeFormatting(lease, this.calls, chap, settings, renewals, events, metrics, clock);
    this.publishing = new VolumePublishing(client, settings, events);
    this.growing = new VolumeGrowing(lease, this.calls, publishing, settings, renewals, events);
    this.slotting = new VolumeSlotting(lease, this.calls, chap, settings, renewals, events);
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
    InformerEventSource<PersistentVolume, IscsiSharedVolume> volumes = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(PersistentVolume.class, IscsiSharedVolume.class)
            .withName("persistentvolumes")
            .withLabelSelector(PersistentVolumes.MANAGED_BY_LABEL + "=" + PersistentVolumes.MANAGED_BY)
            .withSecondaryToPrimaryMapper(pv -> Optional.ofNullable(pv.getMetadata().getLabels())
                .map(l -> l.get(PersistentVolumes.VOLUME_LABEL)).map(n -> Set.of(new ResourceID(n))).orElse(Set.of()))
            .build(),
        context);
    publishing.readFrom(volumes);
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
    IscsiSharedVolumeStatus status = Serialization.clone(before);
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
      a.formatted(status.getFormatted());
    }
    List<Violation> violations = IscsiSharedVolumeValidator.validate(volume);
    if (!violations.isEmpty()) {
      a.block(VolumeReason.InvalidSpec,
          violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
      return Optional.empty();
    }
    Optional<String> chapRefused = ChapSecretNamespaces.refusal(volume.getSpec().getTarget().getChapSecretRef(),
        settings.chapSecretNamespaces());
    if (chapRefused.isPresent()) {
      a.block(VolumeReason.ChapSecretNamespaceNotAllowed, chapRefused.get());
      return Optional.empty();
    }
    Optional<LunClaims.Conflict> taken = LunClaims.conflict(volume, context.getPrimaryCache().list().toList());
    if (taken.isPresent()) {
      // Looked at again while the older volume exists: once it is gone, this one may go on.
      a.block(VolumeReason.LunInUse, taken.get().message());
      return Optional.of(Math.min(poll, 30));
    }
    String clusterRef = volume.getSpec().getFilesystem().getClusterRef();
    Optional<Ocfs2Cluster> found = context.getSecondaryResource(Ocfs2Cluster.class);
    if (found.isEmpty()) {
      a.block(VolumeReason.ClusterNotFound, "spec.filesystem.clusterRef: Ocfs2Cluster " + clusterRef
          + " does not exist");
      return Optional.empty();
    }
    Ocfs2Cluster cluster = found.get();
    TimeoutCoherence.Verdict verdict = TimeoutCoherence.check(TimeoutCoherence.Values.of(volume.getSpec()),
        TimeoutCoherence.Cluster.of(cluster.getSpec()), VolumeStacks.of(volume, cluster.getSpec()));
    a.timeouts(verdict.coherent(), verdict.message());
    if (!verdict.coherent() && volume.getSpec().getTimeoutCheck() != TimeoutCheck.Warn) {
      a.block(VolumeReason.TimeoutsIncoherent, verdict.message() + " (timeoutCheck: Warn accepts the risk)");
      return Optional.empty();
    }
    String clusterName = cluster.getSpec().getClusterName();
    ClusterStackKind stack = VolumeStacks.of(withStatus(volume, status), cluster.getSpec());
    if (stack != VolumeStacks.kind(cluster.getSpec().getStack())) {
      a.block(VolumeReason.ClusterStackChanged, "the filesystem is formatted for the "
          + ClusterStackNames.name(stack) + " stack but Ocfs2Cluster " + cluster.getMetadata().getName()
          + " has spec.stack " + ClusterStackNames.name(VolumeStacks.kind(cluster.getSpec().getStack()))
          + "; set it back (the cluster refuses the change while this volume is formatted)");
      return Optional.empty();
    }
    List<ClusterMemberStatus> members = cluster.getStatus() == null ? List.of()
        : cluster.getStatus().getMembers().stream().filter(m -> m.getState() != State.Held)
            .sorted(Comparator.comparingInt(ClusterMemberStatus::getNumber)).toList();
    List<ClusterMemberStatus> applied = members.stream().filter(m -> m.getState() == State.Applied).toList();

    if (status.getFormatted() == null) {
      if (applied.isEmpty()) {
        a.block(VolumeReason.ClusterNotApplied, "no member of Ocfs2Cluster " + cluster.getMetadata().getName()
            + " has the o2cb cluster online yet");
        return Optional.of(Math.min(poll, 10));
      }
      if (!formatting.format(volume, clusterName, stack, applied.get(0), status, a)) {
        return Optional.of(Math.min(poll, 30));
      }
    }

    VolumeSpec spec = AgentVolumeSpecs.of(withStatus(volume, status), clusterName, stack);
    if (!publishing.publish(volume, cluster, spec, status, a)) {
      return Optional.of(Math.min(poll, 30));
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
    Map<String, ClusterMemberStatus> byName = cluster.getStatus() == null ? Map.of()
        : cluster.getStatus().getMembers().stream()
            .collect(Collectors.toMap(ClusterMemberStatus::getNodeName, m -> m, (x, y) -> x));
    NodeHealthViews.markLost(before.getNodes(), all, byName);
    health.addAll(leaving.stream().filter(n -> NodeHealthViews.mounted(n) || NodeHealthViews.lost(n)).toList());
    a.nodes(health);
    status.setNodes(all);
    effectiveTimeouts(volume, cluster, health, a);
    for (HealthTransitions.Transition t
        : HealthTransitions.grouped(HealthTransitions.between(before.getNodes(), all))) {
      if (t.warning()) {
        events.warning(volume, t.reason(), t.message());
      } else {
        events.normal(volume, t.reason(), t.message());
      }
    }
    Optional<Long> slotsPending =
        slotting.reconcile(volume, spec, cluster.getMetadata().getName(), members, health, status, a);
    Optional<Long> growth = growing.reconcile(volume, spec, members, health, status, a);
    long next = Math.min(poll, Math.min(slotsPending.orElse(poll), growth.orElse(poll)));
    return Optional.of(next);
  }

  /**
   * The timeout check again with the values the nodes apply, and the ones that differ from the spec. Only a warning
   * (TimeoutsCoherent): the volume is published and in use by now.
   */
  private static void effectiveTimeouts(
      IscsiSharedVolume volume, Ocfs2Cluster cluster, List<NodeVolumeStatus> health, VolumeAssessment a) {
    List<NodeVolumeStatus> reachable = health.stream().filter(NodeHealthViews::reachable).toList();
    TimeoutCoherence.Verdict effective = TimeoutCoherence.check(EffectiveTimeouts.worst(volume.getSpec(), reachable),
        TimeoutCoherence.Cluster.of(cluster.getSpec()), VolumeStacks.of(volume, cluster.getSpec()));
    if (!effective.coherent() || a.timeoutWarning().isEmpty()) {
      a.timeouts(effective.coherent(), effective.message());
    }
    List<String> mismatches = EffectiveTimeouts.mismatches(volume.getSpec(), reachable);
    if (!mismatches.isEmpty()) {
      a.timeoutsNotApplied("timeouts in effect differ from the spec: " + String.join("; ", mismatches));
    }
  }

  /** GetVolumeHealth on every member at once, as their entries of status.nodes. */
  private List<NodeVolumeStatus> health(VolumeSpec spec, List<ClusterMemberStatus> members) {
    GetVolumeHealthRequest request = GetVolumeHealthRequest.newBuilder().setVolume(spec).build();
    List<AgentCalls.Target> targets = members.stream()
        .map(m -> new AgentCalls.Target(m.getNodeName(), m.getAgentEndpoint())).toList();
    List<NodeVolumeStatus> out = new ArrayList<>();
    calls.all(targets, settings.agentTimeout(), agent -> agent.getVolumeHealth(request)).values().forEach(h ->
        out.add(h.answered() ? NodeHealthViews.of(h.target().node(), h.reply())
            : NodeHealthViews.unreachable(h.target().node(), h.failure())));
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
    metrics.volumeConditions(volume.getMetadata().getName(), status.getConditions());
    VolumeReason reason = VolumeReason.valueOf(Conditions.reason(status.getConditions(), VolumeConditions.READY));
    if (WARNED_ON_CHANGE.contains(reason)
        && !Conditions.hasReason(before.getConditions(), VolumeConditions.READY, reason)) {
      events.warning(volume, reason, Conditions.find(status.getConditions(), VolumeConditions.READY).get()
          .getMessage());
    }
    boolean warnedBefore = Conditions.find(before.getConditions(), VolumeConditions.TIMEOUTS_COHERENT)
        .map(c -> Conditions.FALSE.equals(c.getStatus())).orElse(false);
    if (a.timeoutWarning().isPresent() && reason != VolumeReason.TimeoutsIncoherent && !warnedBefore) {
      events.warning(volume, VolumeReason.TimeoutsIncoherent, a.timeoutWarning().get());
    }
    if (a.timeoutsNotApplied().isPresent() && !Conditions.hasReason(before.getConditions(),
        VolumeConditions.TIMEOUTS_COHERENT, VolumeReason.TimeoutsNotApplied)) {
      events.warning(volume, VolumeReason.TimeoutsNotApplied, a.timeoutsNotApplied().get());
    }
  }

  /**
   * Blockers whose Warning event the reconcile emits when Ready turns to them; the format step warns of its own
   * (FormatFailed, ForeignSignature) as it meets them.
   */
  private static final Set<VolumeReason> WARNED_ON_CHANGE = EnumSet.of(VolumeReason.InvalidSpec,
      VolumeReason.TimeoutsIncoherent, VolumeReason.ClusterNotFound, VolumeReason.NodeSlotsExceeded,
      VolumeReason.LunInUse, VolumeReason.ChapSecretNamespaceNotAllowed);

  @Override
  public DeleteControl cleanup(IscsiSharedVolume volume, Context<IscsiSharedVolume> context) {
    String pvName = volume.getStatus() == null || volume.getStatus().getPersistentVolumeName() == null
        ? PersistentVolumes.name(volume) : volume.getStatus().getPersistentVolumeName();
    Optional<String> claim = publishing.boundClaim(volume, pvName);
    if (claim.isPresent()) {
      String message = "deletion waits: PersistentVolume " + pvName + " is bound to claim " + claim.get()
          + "; delete the claim (and the pods using it) to finish; the data on the LUN is never touched";
      boolean first = volume.getStatus() == null || !Conditions.hasReason(volume.getStatus().getConditions(),
          VolumeConditions.READY, VolumeReason.ClaimStillBound);
      if (first) {
        IscsiSharedVolumeStatus status = Serialization.clone(Optional.ofNullable(volume.getStatus())
            .orElseGet(IscsiSharedVolumeStatus::new));
        status.setConditions(Conditions.merge(status.getConditions(),
            VolumeConditions.deleting(status.getConditions(), message), volume.getMetadata().getGeneration(),
            clock.instant()));
        try {
          StatusWrites.write(volume, status, context, settings.serverSideApply(), IscsiSharedVolume::new);
        } catch (RuntimeException e) {
          LOG.warn("{}: could not write the deletion condition: {}", volume.getMetadata().getName(), e.getMessage());
        }
        events.warning(volume, VolumeReason.ClaimStillBound, message);
      }
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(Math.min(settings.healthPoll().toMillis(), 10_000));
    }
    try {
      LunClaims.lunOf(volume).ifPresent(lun -> lease.release(lun, volume.getMetadata().getName()));
    } catch (KubernetesClientException e) {
      LOG.info("{}: format lease not deleted: {}", volume.getMetadata().getName(), e.getMessage());
    }
    metrics.volumeGone(volume.getMetadata().getName());
    events.normal(volume, VolumeReason.Deleted, "finalizer removed; PersistentVolume " + pvName
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
}
