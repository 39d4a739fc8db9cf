package io.ocfs2iscsi.node.cluster;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import io.ocfs2iscsi.contract.ClusterStackNames;
import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.ClusterConf;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountTable;
import io.ocfs2iscsi.node.tools.O2cb;
import io.ocfs2iscsi.node.tools.O2cbConfigfsTimeouts;
import io.ocfs2iscsi.node.tools.ReservationKey;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster on this node, on the stack the request names: o2cb here (cluster.conf, configfs), the user stack
 * (corosync + dlm_controld) in {@link UserClusterStack}. ApplyCluster writes it, NodeStage and FormatVolume make
 * sure it is online. The applied cluster is kept in the state dir, so a restarted plugin brings the same cluster
 * back. A rebooted node does not: while it was down, the others may have marked it out of service and given its o2cb
 * number to another node, and coming online with the member list of before the crash would make two nodes write
 * their disk heartbeat into the same slot. It waits for the operator to apply the cluster in this boot (the kernel's
 * boot id is recorded with each apply). Changing the member list of an online cluster goes through o2cb register-cluster, which
 * adds and drops nodes live: nothing is unmounted.
 */
public final class ClusterStack {

  private static final Logger LOG = LoggerFactory.getLogger(ClusterStack.class);
  /** Modules of the o2cb stack; ocfs2_stack_o2cb pulls in the node manager, ocfs2_dlmfs the user DLM. */
  static final List<String> MODULES = List.of("ocfs2_stack_o2cb", "ocfs2_dlmfs", "ocfs2");

  static final String BOOT_ID = "/proc/sys/kernel/random/boot_id";

  private final HostTools host;
  private final StateStore state;
  private final KernelStackLabel label;
  private final UserClusterStack user;
  private volatile String hostname;

  public ClusterStack(HostTools host, StateStore state) {
    this.host = host;
    this.state = state;
    this.label = new KernelStackLabel(host);
    this.user = new UserClusterStack(host, label);
  }

  /** The outcome of applying a cluster. */
  public record Applied(boolean changed, boolean online, String pending) {}

  /** Validates, records and brings the cluster online (when this node is a member). */
  public synchronized Applied apply(ApplyClusterRequest request) {
    List<String> problems = violations(request);
    if (!problems.isEmpty()) {
      throw NodeException.invalidArgument("ApplyCluster: " + String.join("; ", problems));
    }
    boolean sameAsBefore = state.cluster().map(request::equals).orElse(false);
    state.saveCluster(request);
    bootId().ifPresent(state::saveClusterBoot);
    String me = localNodeName();
    if (request.getMembersList().stream().noneMatch(m -> isLocal(m.getNodeName(), me))) {
      return new Applied(!sameAsBefore, false,
          "this node (host name " + me + ") is not among the members; o2cb and corosync identify the local node by"
              + " its host name, so every member's node_name must equal its `uname -n`");
    }
    return bringOnlineOnItsStack(request);
  }

  private Applied bringOnlineOnItsStack(ApplyClusterRequest request) {
    return isUser(request.getStack()) ? user.bringOnline(request, localNodeId(request)) : bringOnline(request);
  }

  /** This node's corosync node id in {@code request} (a member: checked by the callers). */
  private int localNodeId(ApplyClusterRequest request) {
    return localMemberId(request).orElseThrow(() -> new IllegalStateException(
        "host " + localNodeName() + " is not a member of " + request.getClusterName()));
  }

  private Optional<Integer> localMemberId(ApplyClusterRequest request) {
    String me = localNodeName();
    return request.getMembersList().stream().filter(m -> isLocal(m.getNodeName(), me)).findFirst()
        .map(m -> UserStackRules.nodeId(m.getNumber()));
  }

  /**
   * This node's reservation key for volumes of cluster {@code clusterName} when the applied cluster fences with
   * persistent reservations and names this node; empty otherwise ({@link #ensureOnlineFor} says what is missing).
   */
  public synchronized Optional<ReservationKey> reservationKey(String clusterName) {
    return state.cluster()
        .filter(c -> c.getClusterName().equals(clusterName) && isUser(c.getStack())
            && c.getDlmFencing() == DlmFencing.DLM_FENCING_PERSISTENT_RESERVATION)
        .flatMap(c -> localMemberId(c).map(id -> ReservationKey.of(clusterName, id)));
  }

  private static boolean isUser(ClusterStackKind stack) {
    return stack == ClusterStackKind.CLUSTER_STACK_USER;
  }

  /**
   * Before a stage or a format: the applied cluster must contain this node, carry the volume's cluster name and run
   * the stack the volume is formatted for; then it is brought online (a no-op when it is).
   */
  public synchronized void ensureOnlineFor(String clusterName, ClusterStackKind stack) {
    ApplyClusterRequest applied =
        state.cluster()
            .orElseThrow(
                () ->
                    NodeException.unavailable(
                        "no o2cb cluster has been applied on this node yet: the operator applies Ocfs2Cluster "
                            + clusterName + " (ApplyCluster) once this node is a member; retry then"));
    if (!applied.getClusterName().equals(clusterName)) {
      throw NodeException.unavailable(
          "the volume belongs to o2cb cluster " + clusterName + " but this node has cluster "
              + applied.getClusterName() + " applied; one o2cb cluster runs per node");
    }
    if (isUser(applied.getStack()) != isUser(stack)) {
      throw NodeException.failedPrecondition(
          "the volume is formatted for the " + ClusterStackNames.name(stack) + " stack but this node has cluster "
              + clusterName + " applied on the " + ClusterStackNames.name(applied.getStack()) + " stack; the"
              + " stack of a filesystem changes only with o2cluster -u while no node mounts it");
    }
    Optional<String> boot = bootId();
    Optional<String> appliedIn = state.clusterBoot();
    if (boot.isPresent() && appliedIn.isPresent() && !boot.equals(appliedIn)) {
      throw NodeException.unavailable(
          "o2cb cluster " + clusterName + " was applied before this node's last boot: its member list may be stale"
              + " (another node may have this node's o2cb number since); waiting for the operator to apply the"
              + " cluster again (ApplyCluster); retry then");
    }
    String me = localNodeName();
    if (applied.getMembersList().stream().noneMatch(m -> isLocal(m.getNodeName(), me))) {
      throw NodeException.unavailable(
          "o2cb cluster " + clusterName + " as applied does not contain this node (host name " + me
              + "): the operator has not admitted it yet");
    }
    Applied a = bringOnlineOnItsStack(applied);
    if (!a.online()) {
      // The user stack waits for its peers (quorum); o2cb has nothing to wait for once applied.
      throw isUser(stack)
          ? NodeException.unavailable("cluster " + clusterName + " (user stack) is not online yet: " + a.pending()
              + "; retry then")
          : NodeException.internal("o2cb cluster " + clusterName + " is not online: " + a.pending());
    }
  }

  /** The kernel's boot id; empty when it cannot be read. */
  private Optional<String> bootId() {
    return host.files().read(BOOT_ID).map(String::strip).filter(b -> !b.isEmpty());
  }

  /** The name o2cb knows this host by: its host name (uname -n) in the host's UTS namespace. */
  public String localNodeName() {
    String h = hostname;
    if (h == null) {
      CommandResult r = host.runner().run(Command.of("uname", "-n"));
      if (!r.ok() || r.stdout().isBlank()) {
        throw new ToolFailure("reading the host name", r);
      }
      h = r.stdout().strip();
      hostname = h;
    }
    return h;
  }

  /** o2cb's own rule: a configured node is local when its name equals the host name up to a dot. */
  static boolean isLocal(String nodeName, String hostName) {
    String n = nodeName.toLowerCase();
    String h = hostName.toLowerCase();
    return h.equals(n) || h.startsWith(n + ".");
  }

  private Applied bringOnline(ApplyClusterRequest request) {
    String name = request.getClusterName();
    ClusterConf conf = confOf(request);
    boolean changed = false;
    String text = conf.render();
    if (host.files().read(ClusterConf.PATH).filter(text::equals).isEmpty()) {
      host.files().writeAtomically(ClusterConf.PATH, text, false);
      LOG.info("wrote {} for cluster {} ({} members)", ClusterConf.PATH, name, conf.nodes().size());
      changed = true;
    }
    prepareKernel();
    label.claim("o2cb", "o2cb");
    for (String other : host.o2cb().registeredClusters()) {
      if (!other.equals(name)) {
        retire(other);
        changed = true;
      }
    }
    if (!liveMatches(name, conf)) {
      host.o2cb().registerCluster(name);
      LOG.info("o2cb cluster {} registered with members {}", name,
          conf.nodes().stream().map(ClusterConf.Node::name).toList());
      changed = true;
    }
    boolean local = host.o2cb().liveNodes(name).values().stream().anyMatch(O2cb.LiveNode::local);
    if (!local) {
      throw NodeException.failedPrecondition(
          "o2cb cluster " + name + " is registered but no member is this node: no node_name matches the host name "
              + localNodeName());
    }
    List<String> pending = new ArrayList<>();
    changed |= applyTimeouts(name, request.getTimeouts(), pending);
    return new Applied(changed, true, String.join("; ", pending));
  }

  /** configfs and ocfs2_dlmfs mounted, modules loaded: what the o2cb init script does, done here without systemd. */
  private void prepareKernel() {
    MountTable mounts = host.mounter().table();
    boolean configfs = mounts.entries().stream().anyMatch(e -> e.fsType().equals("configfs"));
    boolean dlmfs = mounts.entries().stream().anyMatch(e -> e.fsType().equals("ocfs2_dlmfs"));
    if (configfs && dlmfs && host.files().isDirectory(O2cb.CLUSTERS)) {
      return;
    }
    host.modprobe().loadEach(MODULES);
    if (!configfs) {
      host.mounter().mount("none", O2cb.CONFIGFS, "configfs", List.of("rw"));
    }
    if (!dlmfs) {
      host.files().createDirectories(O2cb.DLMFS);
      host.mounter().mount("ocfs2_dlmfs", O2cb.DLMFS, "ocfs2_dlmfs", List.of("rw"));
    }
  }

  /** Another cluster registered here: removed when it has no heartbeat (nothing mounted), refused otherwise. */
  private void retire(String other) {
    if (!host.o2cb().heartbeatRegions(other).isEmpty()) {
      throw NodeException.failedPrecondition(
          "o2cb cluster " + other + " is online on this node with mounted volumes (heartbeat regions "
              + host.o2cb().heartbeatRegions(other) + "); one o2cb cluster runs per node: unmount them first");
    }
    // o2cb unregister-cluster needs the old cluster in cluster.conf, which now holds the new one: remove it from
    // configfs directly, as the o2cb init script's clean-up does.
    for (String node : host.o2cb().liveNodes(other).keySet()) {
      host.files().deleteIfExists(O2cb.CLUSTERS + "/" + other + "/node/" + node);
    }
    host.files().deleteIfExists(O2cb.CLUSTERS + "/" + other);
    LOG.info("removed the idle o2cb cluster {} from configfs", other);
  }

  private boolean liveMatches(String name, ClusterConf conf) {
    if (!host.o2cb().registeredClusters().contains(name)) {
      return false;
    }
    Map<String, O2cb.LiveNode> live = host.o2cb().liveNodes(name);
    if (live.size() != conf.nodes().size()) {
      return false;
    }
    for (ClusterConf.Node n : conf.nodes()) {
      O2cb.LiveNode l = live.get(n.name());
      if (l == null || l.number() != n.number() || !l.address().equals(n.address()) || l.port() != n.port()) {
        return false;
      }
    }
    return true;
  }

  private boolean applyTimeouts(String name, O2cbTimeouts t, List<String> pending) {
    O2cbConfigfsTimeouts desired = timeoutsOf(t);
    O2cbConfigfsTimeouts current = host.o2cb().timeouts(name);
    boolean changed = false;
    for (O2cbConfigfsTimeouts.Write w : desired.writesFrom(current)) {
      try {
        host.o2cb().writeTimeout(name, w);
        changed = true;
      } catch (RuntimeException e) {
        // The kernel refuses network timeout changes while peers are connected.
        pending.add(w.attribute() + "=" + w.value() + " not applied live (" + e.getMessage()
            + "); it takes effect when the cluster restarts on this node");
      }
    }
    return changed;
  }

  static O2cbConfigfsTimeouts timeoutsOf(O2cbTimeouts t) {
    O2cbConfigfsTimeouts d = O2cbConfigfsTimeouts.DEFAULTS;
    return new O2cbConfigfsTimeouts(
        t.getHeartbeatDeadThreshold() == 0 ? O2cbClusterRules.DEAD_THRESHOLD_DEFAULT : t.getHeartbeatDeadThreshold(),
        t.getIdleTimeoutMs() == 0 ? d.idleTimeoutMs() : t.getIdleTimeoutMs(),
        t.getKeepaliveDelayMs() == 0 ? d.keepaliveDelayMs() : t.getKeepaliveDelayMs(),
        t.getReconnectDelayMs() == 0 ? d.reconnectDelayMs() : t.getReconnectDelayMs());
  }

  static ClusterConf confOf(ApplyClusterRequest r) {
    int port = r.getPort() == 0 ? 7777 : r.getPort();
    return new ClusterConf(
        r.getClusterName(),
        r.getMembersList().stream()
            .map(m -> new ClusterConf.Node(m.getNodeName(), m.getNumber(), m.getAddress(), port))
            .toList());
  }

  /** Every value is checked before it reaches cluster.conf or configfs. */
  static List<String> violations(ApplyClusterRequest r) {
    List<String> out = new ArrayList<>();
    if (!ValueRules.matches(ValueRules.CLUSTER_NAME, r.getClusterName())) {
      out.add("cluster_name: must be " + ValueRules.CLUSTER_NAME_RULE);
    }
    ValueRules.uint32OutOfRange("port", r.getPort(), 0, 65535).ifPresent(p -> out.add(p + " (0 means 7777)"));
    if (r.getMembersCount() == 0) {
      out.add("members: at least one member is needed");
    }
    if (r.getStack() == ClusterStackKind.UNRECOGNIZED) {
      out.add("stack: must be " + ClusterStackNames.RULE + ", got enum value " + r.getStackValue());
    }
    if (r.getCorosyncTokenMs() != 0) {
      ValueRules.uint32OutOfRange("corosync_token_ms", r.getCorosyncTokenMs(), UserStackRules.TOKEN_MS_MIN,
          UserStackRules.TOKEN_MS_MAX).ifPresent(p -> out.add(p + " (0 means corosync's "
              + UserStackRules.TOKEN_MS_DEFAULT + ")"));
    }
    if (r.getDlmFencing() == DlmFencing.UNRECOGNIZED) {
      out.add("dlm_fencing: must be DLM_FENCING_WAIT_FOR_REJOIN, DLM_FENCING_DISABLED or"
          + " DLM_FENCING_PERSISTENT_RESERVATION, got enum value "
          + r.getDlmFencingValue());
    }
    Set<String> names = new HashSet<>();
    Set<Integer> numbers = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (int i = 0; i < r.getMembersCount(); i++) {
      ClusterMember m = r.getMembers(i);
      String f = "members[" + i + "]";
      if (!ValueRules.matches(ValueRules.NODE_NAME, m.getNodeName())) {
        out.add(f + ".node_name: must be " + ValueRules.NODE_NAME_RULE);
      } else if (!names.add(m.getNodeName().toLowerCase())) {
        out.add(f + ".node_name: duplicate " + m.getNodeName());
      }
      Optional<String> number = ValueRules.uint32OutOfRange(f + ".number", m.getNumber(), 0, 254);
      if (number.isPresent()) {
        out.add(number.get());
      } else if (!numbers.add(m.getNumber())) {
        out.add(f + ".number: duplicate " + m.getNumber());
      }
      if (!ValueRules.matches(ValueRules.IPV4_ADDRESS, m.getAddress())) {
        out.add(f + ".address: must be " + ValueRules.IPV4_ADDRESS_RULE);
      } else if (!addresses.add(m.getAddress())) {
        out.add(f + ".address: duplicate " + m.getAddress());
      }
    }
    O2cbTimeouts raw = r.getTimeouts();
    List<String> timeouts = new ArrayList<>();
    unsetOrWithin(timeouts, "timeouts.heartbeat_dead_threshold", raw.getHeartbeatDeadThreshold(),
        O2cbClusterRules.DEAD_THRESHOLD_MIN, O2cbClusterRules.DEAD_THRESHOLD_MAX);
    unsetOrWithin(timeouts, "timeouts.idle_timeout_ms", raw.getIdleTimeoutMs(), 1,
        O2cbClusterRules.IDLE_TIMEOUT_MS_MAX);
    unsetOrWithin(timeouts, "timeouts.keepalive_delay_ms", raw.getKeepaliveDelayMs(), 1,
        O2cbClusterRules.KEEPALIVE_DELAY_MS_MAX);
    unsetOrWithin(timeouts, "timeouts.reconnect_delay_ms", raw.getReconnectDelayMs(), 1,
        O2cbClusterRules.RECONNECT_DELAY_MS_MAX);
    out.addAll(timeouts);
    O2cbConfigfsTimeouts t = timeoutsOf(raw);
    if (timeouts.isEmpty() && t.keepaliveDelayMs() >= t.idleTimeoutMs()) {
      out.add("timeouts: keepalive_delay_ms must be smaller than idle_timeout_ms (the kernel refuses otherwise)");
    }
    return out;
  }

  /** A uint32 timeout: 0 (o2cb's default) or within [min, max] as the unsigned number it is. */
  private static void unsetOrWithin(List<String> out, String field, int raw, long min, long max) {
    if (raw != 0) {
      ValueRules.uint32OutOfRange(field, raw, min, max).ifPresent(out::add);
    }
  }
}
