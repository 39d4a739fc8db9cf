package io.ocfs2iscsi.node.cluster;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.tools.Corosync;
import io.ocfs2iscsi.node.tools.CorosyncConf;
import io.ocfs2iscsi.node.tools.DaemonCgroups;
import io.ocfs2iscsi.node.tools.DlmTool;
import io.ocfs2iscsi.node.tools.DlmConf;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.O2cb;
import io.ocfs2iscsi.node.tools.ReservationKey;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user-space cluster stack on this node: corosync (membership, quorum) and dlm_controld (the kernel DLM's
 * configuration, POSIX locks, fencing). OCFS2 joins it without ocfs2_controld: the kernel's stack_user talks to the
 * DLM directly. The daemons must outlive the plugin (a dlm_controld that dies with lockspaces open needs a reboot),
 * so they are started through the host's systemd units where it has systemd, and otherwise detached (both
 * daemonize themselves); a plugin in a pod then moves them out of its container's cgroup into host cgroups of their
 * own. They are never stopped here: stopping corosync under a mounted volume wedges the node.
 */
final class UserClusterStack {

  private static final Logger LOG = LoggerFactory.getLogger(UserClusterStack.class);
  /** dlm for the lockspaces; ocfs2_stack_user (with ocfs2_stackglue) for the stack label. */
  static final List<String> MODULES = List.of("dlm", "ocfs2_stack_user");
  static final String SYSTEMD = "/run/systemd/system";
  static final String LABEL = "pcmk";

  private final HostTools host;
  private final KernelStackLabel label;
  private final StorageFencing fencing;

  UserClusterStack(HostTools host, KernelStackLabel label) {
    this.host = host;
    this.label = label;
    this.fencing = new StorageFencing(host);
  }

  /** dlm.conf for this node; with persistent-reservation fencing the agent it names is installed first. */
  private String dlmConf(ApplyClusterRequest request, int localNodeId) {
    DlmConf.Fencing f = fencingOf(request.getDlmFencing());
    if (f != DlmConf.Fencing.PERSISTENT_RESERVATION) {
      return DlmConf.render(f);
    }
    fencing.installAgent();
    return DlmConf.renderPersistentReservation(StorageFencing.AGENT,
        ReservationKey.clusterKey(request.getClusterName()), localNodeId);
  }

  /** Writes the configuration, starts what does not run, reloads corosync when its members changed. */
  ClusterStack.Applied bringOnline(ApplyClusterRequest request, int localNodeId) {
    String name = request.getClusterName();
    boolean systemd = host.files().isDirectory(SYSTEMD);
    // nsenter keeps the container's cgroup, and the runtime kills every process of a host-PID container's cgroup
    // when the container stops: without systemd, daemons started from a pod move to host cgroups of their own.
    boolean inPod = !systemd && host.mode() == HostMode.NSENTER;
    boolean ownCgroups = inPod && host.daemonCgroups().available();
    if (inPod && !ownCgroups
        && (host.corosync().quorum().isEmpty() || host.dlm().status().isEmpty())) {
      throw NodeException.failedPrecondition(
          "the user stack needs systemd or cgroup2 on the host to run corosync and dlm_controld: this host has"
              + " neither /run/systemd/system (corosync.service, dlm.service) nor a cgroup2 mount at /sys/fs/cgroup,"
              + " so daemons started from the node plugin's container would be killed with it, and a dlm_controld"
              + " that dies while a volume is mounted leaves the node unable to unmount until it reboots; start"
              + " corosync and dlm_controld on the host yourself");
    }
    byte[] authKey = request.getCorosyncAuthkey().toByteArray();
    if (authKey.length > 0 && !UserStackRules.validAuthKey(authKey)) {
      // Neither the key nor any part of it goes into the message.
      throw NodeException.invalidArgument("corosync_authkey must be " + UserStackRules.AUTHKEY_RULE + " (got "
          + authKey.length + " bytes that are not)");
    }
    prepareKernel();
    label.claim(LABEL, "user");
    List<String> pending = new ArrayList<>();
    Optional<Corosync.Quorum> quorum = host.corosync().quorum();
    boolean authenticated = authKey.length > 0 && authKeyInPlace(new String(authKey, StandardCharsets.US_ASCII),
        quorum.isPresent(), pending);
    CorosyncConf conf = confOf(request, authenticated);
    boolean corosyncConfChanged = writeIfChanged(CorosyncConf.PATH, conf.render());
    boolean dlmConfChanged = writeIfChanged(DlmConf.PATH, dlmConf(request, localNodeId));
    boolean changed = corosyncConfChanged || dlmConfChanged;

    if (quorum.isEmpty()) {
      host.corosync().start(systemd);
      LOG.info("started corosync for cluster {} ({})", name, systemd ? "corosync.service" : "detached");
      changed = true;
    }
    if (ownCgroups) {
      ownCgroup(Corosync.PROGRAM, Corosync.PID_FILE);
    }
    if (quorum.isPresent()) {
      requireSameName(name);
      if (corosyncConfChanged) {
        host.corosync().reload();
        LOG.info("corosync reloaded {} for cluster {} ({} members)", CorosyncConf.PATH, name, conf.nodes().size());
      }
    }
    boolean dlmRan = host.dlm().status().isPresent();
    if (!dlmRan) {
      host.dlm().start(systemd);
      LOG.info("started dlm_controld ({})", systemd ? "dlm.service" : "detached");
      changed = true;
    }
    if (ownCgroups) {
      ownCgroup(DlmTool.PROGRAM, DlmTool.PID_FILE);
    }
    if (dlmRan && dlmConfChanged) {
      pending.add(DlmConf.PATH + " changed while dlm_controld runs: it takes effect when dlm_controld restarts");
    }
    Optional<String> problem = notOnline(name);
    problem.ifPresent(pending::add);
    return new ClusterStack.Applied(changed, problem.isEmpty(), String.join("; ", pending));
  }

  /**
   * Makes sure a daemon runs in its own host cgroup, also one that a plugin before this one started and could not
   * move (the move is checked on every apply, and only processes elsewhere are moved).
   */
  private void ownCgroup(String program, String pidFile) {
    int pid = host.daemonCgroups().adopt(program, pidFile);
    LOG.debug("{} (pid {}) runs in cgroup {}", program, pid, DaemonCgroups.cgroupOf(program));
  }

  /**
   * Puts the cluster's authkey where corosync reads it and tells whether corosync.conf may ask for crypto. A running
   * corosync keeps the crypto and key it started with, and members that disagree on them cannot hear each other: so
   * the key is written only while corosync does not run (or is already the same), and a corosync that runs without
   * crypto keeps a configuration without it until it restarts.
   */
  private boolean authKeyInPlace(String key, boolean corosyncRuns, List<String> pending) {
    boolean same = host.files().read(CorosyncConf.AUTHKEY_PATH).filter(key::equals).isPresent();
    boolean runsWithCrypto =
        corosyncRuns && host.corosync().cryptoCipher().filter(c -> !c.equals("none")).isPresent();
    if (corosyncRuns && !runsWithCrypto) {
      pending.add("corosync runs without authentication (it started before the cluster had an authkey): it uses the"
          + " key from its next start; restart dlm_controld and corosync on this node while it mounts no volume of"
          + " the cluster");
    }
    if (!same && runsWithCrypto) {
      pending.add(CorosyncConf.AUTHKEY_PATH + " differs from the cluster's authkey while corosync runs with it: left"
          + " as it is, since this node could no longer hear the others after a restart; restore the key the"
          + " members run with");
    } else if (!same) {
      host.files().writeAtomically(CorosyncConf.AUTHKEY_PATH, key, true);
      LOG.info("wrote {} (mode 0600)", CorosyncConf.AUTHKEY_PATH);
    }
    return !corosyncRuns || runsWithCrypto;
  }

  /** Why the stack cannot carry a volume of cluster {@code name} now; empty when it can. */
  Optional<String> notOnline(String name) {
    Optional<Corosync.Quorum> quorum = host.corosync().quorum();
    if (quorum.isEmpty()) {
      return Optional.of("corosync does not run on this node");
    }
    requireSameName(name);
    if (!quorum.get().quorate()) {
      return Optional.of("corosync is not quorate yet (members seen: " + quorum.get().members()
          + "; with two members both must have been seen once)");
    }
    if (host.dlm().status().isEmpty()) {
      return Optional.of("dlm_controld does not answer on this node");
    }
    return Optional.empty();
  }

  /**
   * The DLM refuses a lockspace whose cluster name differs from corosync's, and a running corosync does not take a
   * new name on reload.
   */
  private void requireSameName(String name) {
    Optional<String> running = host.corosync().clusterName();
    if (running.isPresent() && !running.get().equals(name)) {
      throw NodeException.failedPrecondition(
          "corosync on this node runs cluster " + running.get() + ", not " + name + "; a running corosync does not"
              + " change its cluster name: unmount the volumes of cluster " + running.get() + ", stop dlm_controld,"
              + " then corosync (corosync-cfgtool -H), and apply again");
    }
  }

  /** configfs mounted, dlm and the user stack's glue loaded: what dlm.service's ExecStartPre does. */
  private void prepareKernel() {
    host.modprobe().loadEach(MODULES);
    boolean configfs = host.mounter().table().entries().stream().anyMatch(e -> e.fsType().equals("configfs"));
    if (!configfs) {
      host.mounter().mount("none", O2cb.CONFIGFS, "configfs", List.of("rw"));
    }
  }

  private boolean writeIfChanged(String path, String text) {
    if (host.files().read(path).filter(text::equals).isPresent()) {
      return false;
    }
    host.files().writeAtomically(path, text, false);
    LOG.info("wrote {}", path);
    return true;
  }

  static CorosyncConf confOf(ApplyClusterRequest r, boolean authenticated) {
    return new CorosyncConf(
        r.getClusterName(),
        r.getMembersList().stream()
            .map(m -> new CorosyncConf.Node(UserStackRules.nodeId(m.getNumber()), m.getNodeName(), m.getAddress()))
            .toList(),
        r.getCorosyncTokenMs(),
        authenticated);
  }

  static DlmConf.Fencing fencingOf(DlmFencing f) {
    return switch (f) {
      case DLM_FENCING_DISABLED -> DlmConf.Fencing.DISABLED;
      case DLM_FENCING_PERSISTENT_RESERVATION -> DlmConf.Fencing.PERSISTENT_RESERVATION;
      default -> DlmConf.Fencing.WAIT_FOR_REJOIN;
    };
  }
}
