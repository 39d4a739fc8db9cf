package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.SecondaryToPrimaryMapper;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.operator.agent.AgentCalls;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterStatus;
import io.ocfs2iscsi.operator.desired.ClusterApplyRequests;
import io.ocfs2iscsi.operator.desired.ClusterNodes;
import io.ocfs2iscsi.operator.desired.MemberNumbering;
import io.ocfs2iscsi.operator.desired.MountReports;
import io.ocfs2iscsi.operator.desired.NodeLoss;
import io.ocfs2iscsi.operator.desired.VolumeStacks;
import io.ocfs2iscsi.operator.status.ClusterConditions;
import io.ocfs2iscsi.operator.status.ClusterReason;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.operator.status.MemberTransitions;
import io.ocfs2iscsi.operator.validation.Ocfs2ClusterValidator;
import io.ocfs2iscsi.operator.validation.Violation;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ocfs2Cluster: numbers the selected nodes, learns each one's o2cb address from its agent, and sends the full member
 * list to every member whenever it changes (a new node joins the running cluster; nobody unmounts). What pacemaker's
 * cloned o2cb resource did in the reference setup.
 */
@ControllerConfiguration(name = Ocfs2ClusterReconciler.NAME)
public final class Ocfs2ClusterReconciler implements Reconciler<Ocfs2Cluster> {

  public static final String NAME = "ocfs2cluster";

  private static final Logger LOG = LoggerFactory.getLogger(Ocfs2ClusterReconciler.class);

  private final AgentCalls calls;
  private final ReconcileSettings settings;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Clock clock;
  private InformerEventSource<Node, Ocfs2Cluster> nodes;
  private InformerEventSource<CSINode, Ocfs2Cluster> csiNodes;
  private InformerEventSource<IscsiSharedVolume, Ocfs2Cluster> volumes;

  public Ocfs2ClusterReconciler(
      NodeAgents agents, ReconcileSettings settings, EventRecorder events, OperatorMetrics metrics,
      ExecutorService calls, Clock clock) {
    this.calls = new AgentCalls(agents, calls);
    this.settings = settings;
    this.events = events;
    this.metrics = metrics;
    this.clock = clock;
  }

  @Override
  public List<EventSource<?, Ocfs2Cluster>> prepareEventSources(EventSourceContext<Ocfs2Cluster> context) {
    nodes = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(Node.class, Ocfs2Cluster.class)
            .withName("nodes")
            .withSecondaryToPrimaryMapper(allClusters(context))
            .withOnUpdateFilter((now, before) -> nodeChanged(before, now))
            .build(),
        context);
    csiNodes = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(CSINode.class, Ocfs2Cluster.class)
            .withName("csinodes")
            .withSecondaryToPrimaryMapper(allClusters(context))
            .withOnUpdateFilter((now, before) ->
                !ClusterNodes.nodesWithDriver(List.of(now)).equals(ClusterNodes.nodesWithDriver(List.of(before))))
            .build(),
        context);
    volumes = new InformerEventSource<>(
        InformerEventSourceConfiguration.from(IscsiSharedVolume.class, Ocfs2Cluster.class)
            .withName("volumes")
            .withSecondaryToPrimaryMapper(v -> v.getSpec() == null || v.getSpec().getFilesystem() == null ? Set.of()
                : Set.of(new ResourceID(v.getSpec().getFilesystem().getClusterRef())))
            .withOnUpdateFilter((now, before) -> !MountReports.reportsOf(now).equals(MountReports.reportsOf(before))
                || formatted(now) != formatted(before))
            .build(),
        context);
    return List.of(nodes, csiNodes, volumes);
  }

  private static <R> SecondaryToPrimaryMapper<R> allClusters(EventSourceContext<Ocfs2Cluster> context) {
    return r -> context.getPrimaryCache().list().map(ResourceID::fromResource).collect(Collectors.toSet());
  }

  private static boolean nodeChanged(Node before, Node now) {
    return !Objects.equals(before.getMetadata().getLabels(), now.getMetadata().getLabels())
        || !Objects.equals(before.getStatus() == null ? null : before.getStatus().getAddresses(),
            now.getStatus() == null ? null : now.getStatus().getAddresses())
        || ClusterNodes.ready(before) != ClusterNodes.ready(now)
        || NodeLoss.outOfServiceTaint(before).isPresent() != NodeLoss.outOfServiceTaint(now).isPresent()
        || !Objects.equals(ClusterNodes.bootId(before), ClusterNodes.bootId(now))
        || (before.getMetadata().getDeletionTimestamp() == null) != (now.getMetadata().getDeletionTimestamp() == null);
  }

  private List<IscsiSharedVolume> volumesOf(Ocfs2Cluster cluster) {
    String name = cluster.getMetadata().getName();
    return volumes.list(v -> v.getSpec() != null && v.getSpec().getFilesystem() != null
        && name.equals(v.getSpec().getFilesystem().getClusterRef())).toList();
  }

  private static boolean formatted(IscsiSharedVolume v) {
    return v.getStatus() != null && v.getStatus().getFormatted() != null;
  }

  @Override
  public UpdateControl<Ocfs2Cluster> reconcile(Ocfs2Cluster cluster, Context<Ocfs2Cluster> context) {
    Ocfs2ClusterStatus before = Optional.ofNullable(cluster.getStatus()).orElseGet(Ocfs2ClusterStatus::new);
    Ocfs2ClusterStatus status = Serialization.clone(before);
    List<Violation> violations = Ocfs2ClusterValidator.validate(cluster);
    List<Condition> desired;
    boolean retrySoon = false;
    Optional<String> stackRefused = violations.isEmpty()
        ? VolumeStacks.changeRefusal(cluster.getSpec(), volumesOf(cluster)) : Optional.empty();
    if (stackRefused.isPresent()) {
      desired = ClusterConditions.stackChangeRefused(stackRefused.get());
      if (!Conditions.hasReason(before.getConditions(), ClusterConditions.READY, ClusterReason.StackChangeRefused)) {
        events.warning(cluster, ClusterReason.StackChangeRefused, stackRefused.get());
      }
    } else if (!violations.isEmpty()) {
      String message = violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
      desired = ClusterConditions.invalid(message);
      if (!Conditions.hasReason(before.getConditions(), ClusterConditions.READY, ClusterReason.InvalidSpec)) {
        events.warning(cluster, ClusterReason.InvalidSpec, message);
      }
    } else {
      ClusterConditions.Members outcome = reconcileMembers(cluster, before, status,
          new CorosyncAuthKeys(context.getClient(), settings.namespace()));
      desired = ClusterConditions.of(outcome);
      if (!outcome.missing().isEmpty() && !Conditions.hasReason(
          before.getConditions(), ClusterConditions.PREREQUISITES, ClusterReason.PrerequisitesMissing)) {
        events.warning(cluster, ClusterReason.PrerequisitesMissing, String.join("; ", outcome.missing()));
      }
      retrySoon = outcome.pending() || outcome.waitsForDeadTime();
    }
    status.setObservedGeneration(cluster.getMetadata().getGeneration());
    status.setConditions(Conditions.merge(before.getConditions(), desired, cluster.getMetadata().getGeneration(),
        clock.instant()));
    metrics.clusterMembers(cluster.getMetadata().getName(),
        (int) status.getMembers().stream().filter(m -> m.getState() != State.Held).count());
    if (StatusDiff.changed(cluster.getStatus(), status)) {
      StatusWrites.write(cluster, status, context, settings.serverSideApply(), Ocfs2Cluster::new);
    }
    UpdateControl<Ocfs2Cluster> control = UpdateControl.noUpdate();
    if (!violations.isEmpty()) {
      return control; // a spec change (new generation) triggers the next reconcile; no retry storm
    }
    long delay = retrySoon ? Math.min(10, settings.clusterResync().toSeconds()) : settings.clusterResync().toSeconds();
    return control.rescheduleAfter(delay, TimeUnit.SECONDS);
  }

  /** Numbers, asks, applies, records the members in {@code status} and emits their transitions. */
  private ClusterConditions.Members reconcileMembers(
      Ocfs2Cluster cluster, Ocfs2ClusterStatus before, Ocfs2ClusterStatus status, CorosyncAuthKeys authKeys) {
    String name = cluster.getMetadata().getName();
    List<Node> allNodes = nodes.list(n -> true).toList();
    Map<String, Node> nodeByName = allNodes.stream()
        .collect(Collectors.toMap(n -> n.getMetadata().getName(), n -> n, (a, b) -> a));
    Set<String> withDriver = ClusterNodes.nodesWithDriver(csiNodes.list(c -> true).toList());
    Set<String> selected = ClusterNodes.selected(allNodes, cluster.getSpec().getNodeSelector(), withDriver);
    List<IscsiSharedVolume> ofCluster = volumesOf(cluster);
    Map<String, ClusterMemberStatus> previous = new LinkedHashMap<>();
    before.getMembers().forEach(m -> previous.put(m.getNodeName(), m));
    Map<String, Integer> previousNumbers = new HashMap<>();
    before.getMembers().forEach(m -> previousNumbers.put(m.getNodeName(), m.getNumber()));
    Set<String> fenced = new TreeSet<>(Optional.ofNullable(cluster.getSpec().getFencedNodes()).orElse(List.of()));

    // Non-graceful node shutdown: a node marked out of service gives its number back once o2cb's dead time has
    // passed since the mark (NodeLoss#releasable says why not earlier).
    Instant now = clock.instant();
    int deadTime = cluster.getSpec().getHeartbeat().deadTimeSeconds();
    Map<String, Instant> markedSince = new HashMap<>();
    Set<String> outOfService = new TreeSet<>();
    for (String node : previousNumbers.keySet()) {
      Optional<io.fabric8.kubernetes.api.model.Taint> taint = NodeLoss.outOfServiceTaint(nodeByName.get(node));
      if (taint.isPresent()) {
        Instant since = NodeLoss.markedSince(taint.get(), Optional.ofNullable(previous.get(node))
            .map(ClusterMemberStatus::getOutOfServiceSince).flatMap(NodeLoss::parse), now);
        markedSince.put(node, since);
        if (NodeLoss.releasable(since, now, deadTime) && !selected.contains(node)) {
          outOfService.add(node);
        }
      }
    }
    Set<String> released = new TreeSet<>(fenced);
    released.addAll(outOfService);

    MemberNumbering.Result numbering = MemberNumbering.assign(previousNumbers, selected, nodeByName.keySet(),
        MountReports.of(previousNumbers.keySet(), ofCluster), released);

    // Ask every selected member who it is (o2cb address, hostname, prerequisites).
    String cidr = cluster.getSpec().getAddressCidr();
    List<AgentCalls.Target> asked = numbering.members().stream().filter(n -> !n.held())
        .map(n -> new AgentCalls.Target(n.nodeName(), ClusterNodes.agentHost(nodeByName.get(n.nodeName()), cidr)
            .map(h -> hostPort(h, settings.agentPort())).orElse(null)))
        .toList();
    GetNodeInfoRequest infoRequest = GetNodeInfoRequest.newBuilder().setAddressCidr(cidr == null ? "" : cidr)
        .setStack(cluster.getSpec().getStack() == Ocfs2ClusterSpec.Stack.USER
            ? ClusterStackKind.CLUSTER_STACK_USER : ClusterStackKind.CLUSTER_STACK_O2CB)
        .build();
    Map<String, AgentCalls.Answer<GetNodeInfoResponse>> answers =
        calls.all(asked, settings.agentTimeout(), agent -> agent.getNodeInfo(infoRequest));
    answers.values().stream().filter(a -> !a.answered() && a.target().endpoint() != null).forEach(a ->
        LOG.info("GetNodeInfo at {} failed: {}", a.target().endpoint(), a.failure()));
    List<ClusterMemberStatus> members = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (MemberNumbering.Numbered n : numbering.members()) {
      ClusterMemberStatus m = member(n, previous.get(n.nodeName()), answers.get(n.nodeName()));
      m.setLost(NodeLoss.lost(nodeByName.get(n.nodeName())).orElse(null));
      m.setOutOfServiceSince(Optional.ofNullable(markedSince.get(n.nodeName())).map(Instant::toString).orElse(null));
      if (!n.held() && m.getState() != State.Unreachable) {
        m.getMissingPrerequisites().forEach(p -> missing.add(n.nodeName() + " lacks " + p));
      }
      members.add(m);
    }

    // cluster.conf lists every numbered member with a known address, held ones too: a held node may still mount.
    List<ClusterApplyRequests.Member> listed = members.stream()
        .filter(m -> m.getAddress() != null && !m.getAddress().isEmpty())
        .map(m -> new ClusterApplyRequests.Member(
            m.getO2cbNodeName() == null ? m.getNodeName() : m.getO2cbNodeName(), m.getNumber(), m.getAddress()))
        .toList();
    ApplyClusterRequest plain = ClusterApplyRequests.of(cluster.getSpec(), listed);
    ApplyClusterRequest request = plain.getStack() == ClusterStackKind.CLUSTER_STACK_USER
        ? ClusterApplyRequests.withCorosyncAuthKey(plain, authKeys.of(cluster)) : plain;
    List<AgentCalls.Target> toApply = new ArrayList<>();
    for (ClusterMemberStatus m : members) {
      if (m.getState() == State.Joining && m.getAddress() != null && !m.getAddress().isEmpty()) {
        boolean current = ClusterNodes.hasApplied(request.getRevision(), m.getAppliedRevision(),
            m.getAppliedBootId(), ClusterNodes.bootId(nodeByName.get(m.getNodeName())))
            && previous.containsKey(m.getNodeName()) && previous.get(m.getNodeName()).getState() == State.Applied;
        if (current) {
          m.setState(State.Applied);
        } else {
          toApply.add(new AgentCalls.Target(m.getNodeName(), m.getAgentEndpoint()));
        }
      }
    }
    Map<String, String> bootIds = new HashMap<>();
    toApply.forEach(t -> bootIds.put(t.node(), ClusterNodes.bootId(nodeByName.get(t.node()))));
    Map<String, AgentCalls.Answer<ApplyClusterResponse>> applies =
        calls.all(toApply, settings.agentTimeout().multipliedBy(3), agent -> agent.applyCluster(request));
    List<String> failures = new ArrayList<>();
    for (ClusterMemberStatus m : members) {
      AgentCalls.Answer<ApplyClusterResponse> applied = applies.get(m.getNodeName());
      if (applied == null) {
        continue;
      }
      if (applied.answered()) {
        ApplyClusterResponse r = applied.reply();
        if (!r.getPending().isEmpty()) {
          LOG.info("ApplyCluster at {}: pending: {}", m.getAgentEndpoint(), r.getPending());
        }
        m.setAppliedRevision(r.getAppliedRevision().isEmpty() ? request.getRevision() : r.getAppliedRevision());
        m.setAppliedBootId(bootIds.get(m.getNodeName()));
        m.setState(State.Applied);
      } else {
        failures.add(m.getNodeName() + ": ApplyCluster failed: " + applied.failure());
        LOG.warn("{}: ApplyCluster on {} failed: {}", name, m.getNodeName(), applied.failure());
      }
    }
    numbering.unnumbered().forEach(n -> failures.add(n + ": no free o2cb node number (all 255 taken)"));

    status.setMembers(members);
    status.setMemberCount((int) members.stream().filter(m -> m.getState() != State.Held).count());
    status.setRevision(request.getRevision());
    for (MemberTransitions.Transition t
        : MemberTransitions.between(before.getMembers(), members, fenced, outOfService, deadTime)) {
      if (t.warning()) {
        events.warning(cluster, t.reason(), t.message());
      } else {
        events.normal(cluster, t.reason(), t.message());
      }
    }
    List<String> notApplied = members.stream().filter(m -> m.getState() == State.Joining
        || m.getState() == State.Unreachable).map(m -> m.getNodeName() + " (" + m.getState() + ")").toList();
    // A node marked out of service is looked at again when its dead time has passed, not a resync later.
    boolean waitsForDeadTime = members.stream().anyMatch(m -> markedSince.containsKey(m.getNodeName()));
    return new ClusterConditions.Members(status.getMemberCount(), notApplied, failures, missing,
        cluster.getSpec().getNodeSelector(), request.getRevision(), waitsForDeadTime);
  }

  /** A numbered node's member entry: what it had, updated with its agent's answer (none for a held node). */
  private static ClusterMemberStatus member(
      MemberNumbering.Numbered n, ClusterMemberStatus was, AgentCalls.Answer<GetNodeInfoResponse> answer) {
    ClusterMemberStatus m = new ClusterMemberStatus(n.nodeName(), n.number(),
        was == null ? null : was.getAddress(), n.held() ? State.Held : State.Joining);
    if (was != null) {
      m.setO2cbNodeName(was.getO2cbNodeName());
      m.setAgentEndpoint(was.getAgentEndpoint());
      m.setAppliedRevision(was.getAppliedRevision());
      m.setAppliedBootId(was.getAppliedBootId());
      m.setMissingPrerequisites(new ArrayList<>(was.getMissingPrerequisites()));
    }
    if (answer == null) {
      return m;
    }
    m.setAgentEndpoint(answer.target().endpoint());
    if (answer.answered()) {
      GetNodeInfoResponse info = answer.reply();
      m.setAddress(info.getO2CbAddress());
      m.setO2cbNodeName(info.getO2CbNodeName().isEmpty() ? n.nodeName() : info.getO2CbNodeName());
      m.setMissingPrerequisites(new ArrayList<>(info.getMissingPrerequisitesList()));
    } else {
      m.setState(State.Unreachable);
    }
    return m;
  }

  static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }
}
