package io.ocfs2iscsi.operator.reconcile;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.storage.CSINode;
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
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.operator.agent.AgentErrors;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus.State;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterStatus;
import io.ocfs2iscsi.operator.desired.ClusterApplyRequests;
import io.ocfs2iscsi.operator.desired.ClusterNodes;
import io.ocfs2iscsi.operator.desired.MemberNumbering;
import io.ocfs2iscsi.operator.desired.MountReports;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.operator.validation.Ocfs2ClusterValidator;
import io.ocfs2iscsi.operator.validation.Violation;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
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
  public static final String READY = "Ready";
  public static final String PREREQUISITES = "Prerequisites";

  private static final Logger LOG = LoggerFactory.getLogger(Ocfs2ClusterReconciler.class);

  private final NodeAgents agents;
  private final ReconcileSettings settings;
  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final ExecutorService calls;
  private final Clock clock;
  private InformerEventSource<Node, Ocfs2Cluster> nodes;
  private InformerEventSource<CSINode, Ocfs2Cluster> csiNodes;
  private InformerEventSource<IscsiSharedVolume, Ocfs2Cluster> volumes;

  public Ocfs2ClusterReconciler(
      NodeAgents agents, ReconcileSettings settings, EventRecorder events, OperatorMetrics metrics,
      ExecutorService calls, Clock clock) {
    this.agents = agents;
    this.settings = settings;
    this.events = events;
    this.metrics = metrics;
    this.calls = calls;
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
        || (before.getMetadata().getDeletionTimestamp() == null) != (now.getMetadata().getDeletionTimestamp() == null);
  }

  private static boolean formatted(IscsiSharedVolume v) {
    return v.getStatus() != null && v.getStatus().getFormatted() != null;
  }

  @Override
  public UpdateControl<Ocfs2Cluster> reconcile(Ocfs2Cluster cluster, Context<Ocfs2Cluster> context) {
    Ocfs2ClusterStatus before = Optional.ofNullable(cluster.getStatus()).orElseGet(Ocfs2ClusterStatus::new);
    Ocfs2ClusterStatus status = copyOf(before);
    List<Violation> violations = Ocfs2ClusterValidator.validate(cluster);
    List<Condition> desired = new ArrayList<>();
    boolean retrySoon = false;
    if (!violations.isEmpty()) {
      String message = violations.stream().map(Violation::toString).collect(Collectors.joining("; "));
      desired.add(Conditions.of(READY, false, "InvalidSpec", message));
      if (!"InvalidSpec".equals(Conditions.reason(before.getConditions(), READY))) {
        events.warning(cluster, "InvalidSpec", message);
      }
    } else {
      retrySoon = reconcileMembers(cluster, before, status, desired);
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

  /** Numbers, asks, applies; returns true when something is pending that a quick retry may fix. */
  private boolean reconcileMembers(
      Ocfs2Cluster cluster, Ocfs2ClusterStatus before, Ocfs2ClusterStatus status, List<Condition> desired) {
    String name = cluster.getMetadata().getName();
    List<Node> allNodes = nodes.list(n -> true).toList();
    Map<String, Node> nodeByName = allNodes.stream()
        .collect(Collectors.toMap(n -> n.getMetadata().getName(), n -> n, (a, b) -> a));
    Set<String> withDriver = ClusterNodes.nodesWithDriver(csiNodes.list(c -> true).toList());
    Set<String> selected = ClusterNodes.selected(allNodes, cluster.getSpec().getNodeSelector(), withDriver);
    List<IscsiSharedVolume> ofCluster = volumes.list(v -> v.getSpec() != null && v.getSpec().getFilesystem() != null
        && name.equals(v.getSpec().getFilesystem().getClusterRef())).toList();
    Map<String, ClusterMemberStatus> previous = new LinkedHashMap<>();
    before.getMembers().forEach(m -> previous.put(m.getNodeName(), m));
    Map<String, Integer> previousNumbers = new HashMap<>();
    before.getMembers().forEach(m -> previousNumbers.put(m.getNodeName(), m.getNumber()));
    Set<String> fenced = new TreeSet<>(Optional.ofNullable(cluster.getSpec().getFencedNodes()).orElse(List.of()));

    MemberNumbering.Result numbering = MemberNumbering.assign(previousNumbers, selected, nodeByName.keySet(),
        MountReports.of(previousNumbers.keySet(), ofCluster), fenced);

    // Ask every selected member who it is (o2cb address, hostname, prerequisites), in parallel.
    String cidr = cluster.getSpec().getAddressCidr();
    Map<String, CompletableFuture<NodeAnswer>> answers = new LinkedHashMap<>();
    for (MemberNumbering.Numbered n : numbering.members()) {
      if (n.held()) {
        continue;
      }
      Optional<String> host = ClusterNodes.agentHost(nodeByName.get(n.nodeName()), cidr);
      String endpoint = host.map(h -> hostPort(h, settings.agentPort())).orElse(null);
      answers.put(n.nodeName(), CompletableFuture.supplyAsync(() -> ask(n.nodeName(), endpoint, cidr), calls));
    }
    List<ClusterMemberStatus> members = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (MemberNumbering.Numbered n : numbering.members()) {
      ClusterMemberStatus was = previous.get(n.nodeName());
      ClusterMemberStatus m = new ClusterMemberStatus(n.nodeName(), n.number(),
          was == null ? null : was.getAddress(), n.held() ? State.Held : State.Joining);
      if (was != null) {
        m.setO2cbNodeName(was.getO2cbNodeName());
        m.setAgentEndpoint(was.getAgentEndpoint());
        m.setAppliedRevision(was.getAppliedRevision());
        m.setMissingPrerequisites(new ArrayList<>(was.getMissingPrerequisites()));
      }
      if (!n.held()) {
        NodeAnswer answer = answers.get(n.nodeName()).join();
        m.setAgentEndpoint(answer.endpoint());
        if (answer.info() != null) {
          m.setAddress(answer.info().getO2CbAddress());
          m.setO2cbNodeName(answer.info().getO2CbNodeName().isEmpty() ? n.nodeName()
              : answer.info().getO2CbNodeName());
          m.setMissingPrerequisites(new ArrayList<>(answer.info().getMissingPrerequisitesList()));
          answer.info().getMissingPrerequisitesList().forEach(p -> missing.add(n.nodeName() + " lacks " + p));
        } else {
          m.setState(State.Unreachable);
        }
      }
      members.add(m);
    }

    // cluster.conf lists every numbered member with a known address, held ones too: a held node may still mount.
    List<ClusterApplyRequests.Member> listed = members.stream()
        .filter(m -> m.getAddress() != null && !m.getAddress().isEmpty())
        .map(m -> new ClusterApplyRequests.Member(
            m.getO2cbNodeName() == null ? m.getNodeName() : m.getO2cbNodeName(), m.getNumber(), m.getAddress()))
        .toList();
    ApplyClusterRequest request = ClusterApplyRequests.of(cluster.getSpec(), listed);
    Map<String, CompletableFuture<String>> applies = new LinkedHashMap<>();
    for (ClusterMemberStatus m : members) {
      if (m.getState() == State.Joining && m.getAddress() != null && !m.getAddress().isEmpty()) {
        boolean current = request.getRevision().equals(m.getAppliedRevision())
            && previous.containsKey(m.getNodeName()) && previous.get(m.getNodeName()).getState() == State.Applied;
        if (current) {
          m.setState(State.Applied);
        } else {
          String endpoint = m.getAgentEndpoint();
          String node = m.getNodeName();
          applies.put(node, CompletableFuture.supplyAsync(() -> apply(node, endpoint, request), calls));
        }
      }
    }
    List<String> failures = new ArrayList<>();
    for (ClusterMemberStatus m : members) {
      CompletableFuture<String> f = applies.get(m.getNodeName());
      if (f == null) {
        continue;
      }
      try {
        m.setAppliedRevision(f.join());
        m.setState(State.Applied);
      } catch (RuntimeException e) {
        String why = AgentErrors.describe(e);
        failures.add(m.getNodeName() + ": ApplyCluster failed: " + why);
        LOG.warn("{}: ApplyCluster on {} failed: {}", name, m.getNodeName(), why);
      }
    }
    numbering.unnumbered().forEach(n -> failures.add(n + ": no free o2cb node number (all 255 taken)"));

    status.setMembers(members);
    status.setMemberCount((int) members.stream().filter(m -> m.getState() != State.Held).count());
    status.setRevision(request.getRevision());
    events(cluster, before.getMembers(), members, fenced);

    List<String> notApplied = members.stream().filter(m -> m.getState() == State.Joining
        || m.getState() == State.Unreachable).map(m -> m.getNodeName() + " (" + m.getState() + ")").toList();
    if (status.getMemberCount() == 0) {
      desired.add(Conditions.of(READY, false, "NoMembers", "no Ready node matches nodeSelector "
          + cluster.getSpec().getNodeSelector() + " with the node plugin registered (CSINode lists "
          + io.ocfs2iscsi.contract.CsiDriver.NAME + ")"));
    } else if (!notApplied.isEmpty() || !failures.isEmpty()) {
      List<String> all = new ArrayList<>(notApplied);
      all.addAll(failures);
      desired.add(Conditions.of(READY, false, "ClusterNotApplied", "not applied on: " + String.join("; ", all)));
    } else {
      desired.add(Conditions.of(READY, true, "AllMembersApplied", status.getMemberCount()
          + " member(s) run revision " + request.getRevision()));
    }
    desired.add(missing.isEmpty()
        ? Conditions.of(PREREQUISITES, true, "AllPresent", "every member has its host prerequisites")
        : Conditions.of(PREREQUISITES, false, "PrerequisitesMissing", String.join("; ", missing)));
    if (!missing.isEmpty() && !"PrerequisitesMissing".equals(Conditions.reason(before.getConditions(), PREREQUISITES))) {
      events.warning(cluster, "PrerequisitesMissing", String.join("; ", missing));
    }
    return !notApplied.isEmpty() || !failures.isEmpty();
  }

  private void events(
      Ocfs2Cluster cluster, List<ClusterMemberStatus> before, List<ClusterMemberStatus> after, Set<String> fenced) {
    Map<String, ClusterMemberStatus> old = new HashMap<>();
    before.forEach(m -> old.put(m.getNodeName(), m));
    Set<String> now = new TreeSet<>();
    for (ClusterMemberStatus m : after) {
      now.add(m.getNodeName());
      ClusterMemberStatus was = old.get(m.getNodeName());
      if (m.getState() == State.Applied && (was == null || was.getState() != State.Applied)) {
        events.normal(cluster, "NodeJoined", "node " + m.getNodeName() + " is o2cb node " + m.getNumber()
            + " at " + m.getAddress());
      } else if (m.getState() == State.Held && was != null && was.getState() != State.Held) {
        events.normal(cluster, "NodeLeft", "node " + m.getNodeName() + " left; number " + m.getNumber()
            + " is held until its Node is gone and it answers that it mounts no volume of the cluster (or it is"
            + " listed in spec.fencedNodes)");
      } else if (m.getState() == State.Unreachable && (was == null || was.getState() != State.Unreachable)) {
        events.warning(cluster, "NodeUnreachable", "node agent of " + m.getNodeName() + " at "
            + m.getAgentEndpoint() + " does not answer");
      }
    }
    for (ClusterMemberStatus m : before) {
      if (!now.contains(m.getNodeName())) {
        events.normal(cluster, "NumberReleased", "o2cb node number " + m.getNumber() + " of " + m.getNodeName()
            + " is free again (" + (fenced.contains(m.getNodeName()) ? "listed in spec.fencedNodes"
            : "its Node is gone and it reported every volume unmounted") + ")");
      }
    }
  }

  record NodeAnswer(String endpoint, GetNodeInfoResponse info) {}

  private NodeAnswer ask(String node, String endpoint, String cidr) {
    if (endpoint == null) {
      return new NodeAnswer(null, null);
    }
    try {
      GetNodeInfoResponse info = agents.at(node, endpoint)
          .withDeadlineAfter(settings.agentTimeout().toMillis(), TimeUnit.MILLISECONDS)
          .getNodeInfo(GetNodeInfoRequest.newBuilder().setAddressCidr(cidr == null ? "" : cidr).build());
      return new NodeAnswer(endpoint, info);
    } catch (RuntimeException e) {
      LOG.info("GetNodeInfo at {} failed: {}", endpoint, AgentErrors.describe(e));
      return new NodeAnswer(endpoint, null);
    }
  }

  private String apply(String node, String endpoint, ApplyClusterRequest request) {
    ApplyClusterResponse r = agents.at(node, endpoint)
        .withDeadlineAfter(settings.agentTimeout().toMillis() * 3, TimeUnit.MILLISECONDS)
        .applyCluster(request);
    if (!r.getPending().isEmpty()) {
      LOG.info("ApplyCluster at {}: pending: {}", endpoint, r.getPending());
    }
    return r.getAppliedRevision().isEmpty() ? request.getRevision() : r.getAppliedRevision();
  }

  static String hostPort(String host, int port) {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  private static Ocfs2ClusterStatus copyOf(Ocfs2ClusterStatus s) {
    Ocfs2ClusterStatus c = new Ocfs2ClusterStatus();
    c.setMembers(new ArrayList<>(s.getMembers()));
    c.setMemberCount(s.getMemberCount());
    c.setRevision(s.getRevision());
    c.setConditions(new ArrayList<>(s.getConditions()));
    c.setObservedGeneration(s.getObservedGeneration());
    return c;
  }
}
