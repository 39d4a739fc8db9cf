package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.EffectiveTimeouts;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountTable;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.tools.O2cb;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.Statfs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Reads a volume's health without changing anything: for GetVolumeHealth (the operator's status) and
 * NodeGetVolumeStats (kubelet's volume condition). A read-only remount after errors, a failed path or a missing
 * session all turn into problems.
 */
public final class VolumeInspector {

  private final HostTools host;
  private final StateStore state;
  private final Ocfs2Mounts mounts;
  private final PathRepairer repairer;
  private final Consumer<VolumeHealth> observer;

  public VolumeInspector(HostTools host, StateStore state) {
    this(host, state, null);
  }

  /** With the path repairer, a missing or FREE session's problem says what the repair has tried. */
  public VolumeInspector(HostTools host, StateStore state, PathRepairer repairer) {
    this(host, state, repairer, h -> {});
  }

  /** {@code observer} sees every health read (the metrics count the session recoveries and queueing it shows). */
  public VolumeInspector(
      HostTools host, StateStore state, PathRepairer repairer, Consumer<VolumeHealth> observer) {
    this.observer = observer;
    this.host = host;
    this.state = state;
    this.mounts = new Ocfs2Mounts(host);
    this.repairer = repairer;
  }

  /** @param spec the volume of a GetVolumeHealth call (null: the call named none) */
  public VolumeHealth health(VolumeSpec spec) {
    Requests.requireAgentVolume(spec);
    return healthOf(spec);
  }

  /**
   * Whether this node's disk heartbeat on the volume is written, from what {@code health} found and o2hb's clock.
   * Volumes of the user stack have no disk heartbeat, and count as written.
   */
  public HeartbeatIo heartbeatIo(VolumeSpec spec, VolumeHealth health) {
    if (!health.mounted() || spec.getFilesystem().getClusterStack() == ClusterStackKind.CLUSTER_STACK_USER) {
      return HeartbeatIo.WRITING;
    }
    String uuid = state.volume(spec.getVolumeId()).map(StagedVolume::uuid).orElse("");
    Optional<Long> silent = uuid.isEmpty() ? Optional.empty() : host.o2cb().heartbeatSilenceMs(O2cb.regionName(uuid));
    int active = (int) health.paths().stream().filter(MultipathPath::up).count();
    int deadThreshold = host.o2cb().timeouts(spec.getFilesystem().getClusterName()).deadThreshold();
    return HeartbeatIo.of(true, active, silent, deadThreshold);
  }

  /** The health of a volume staged here (its record was checked when it was staged). */
  public VolumeHealth health(StagedVolume staged) {
    return healthOf(staged.spec());
  }

  private VolumeHealth healthOf(VolumeSpec spec) {
    Optional<StagedVolume> record = state.volume(spec.getVolumeId());
    List<String> problems = new ArrayList<>();

    Map<Portal, IscsiSession> sessions = IscsiLogin.sessionsOf(spec.getTarget().getIqn(), host.iscsiadm().sessions());
    List<VolumeHealth.Session> sessionHealth = new ArrayList<>();
    List<Integer> recovery = new ArrayList<>();
    for (String raw : spec.getTarget().getPortalsList()) {
      IscsiSession s = sessions.get(Portal.parse(raw));
      if (s == null) {
        sessionHealth.add(new VolumeHealth.Session(raw, "NONE", 0));
        String repair = repairer == null ? "" : repairer.note(spec.getVolumeId(), Portal.parse(raw));
        problems.add("no session on " + raw + (repair.isEmpty() ? "" : " (" + repair + ")"));
      } else {
        EffectiveTimeouts.Session timeouts = host.sysfs().sessionTimeouts(s.sid());
        sessionHealth.add(
            new VolumeHealth.Session(raw, s.sessionState(), s.sid(), timeouts, s.iface(), s.netdev()));
        if (!s.loggedIn()) {
          String repair = repairer == null ? "" : repairer.note(spec.getVolumeId(), Portal.parse(raw));
          problems.add("session " + s.sid() + " on " + raw + " is " + s.sessionState()
              + (repair.isEmpty() ? "" : " (" + repair + ")"));
        }
        String bound = PortalBindings.netdevOf(spec.getTarget(), Portal.parse(raw));
        if (bound != null && !bound.equals(s.netdev())) {
          problems.add("session " + s.sid() + " on " + raw + " is not bound to network interface " + bound
              + " (target.portalInterfaces) but runs through iface " + s.iface()
              + (s.netdev().isEmpty() ? " (the routing table's choice)" : " bound to " + s.netdev())
              + ": it existed before the binding; log it out for the binding to apply");
        }
        if (timeouts.recoveryTimeout() > 0) {
          recovery.add(timeouts.recoveryTimeout());
        }
      }
    }

    String alias = spec.getMultipath().getAlias();
    Optional<MultipathMap> map = host.multipath().mapAsDaemonSees(alias);
    boolean mapPresent = map.isPresent() && host.files().exists("/dev/mapper/" + alias);
    List<MultipathPath> paths = map.map(MultipathMap::paths).orElse(List.of());
    for (MultipathPath p : paths) {
      if (!p.up()) {
        problems.add("path " + p.device() + " (" + p.hctl() + ") is " + p.dmState() + "/" + p.checkerState());
      }
    }
    if (map.isPresent() && paths.size() < spec.getTarget().getPortalsCount()) {
      problems.add("map " + alias + " has " + paths.size() + " of " + spec.getTarget().getPortalsCount() + " paths");
    }
    boolean anyPathUp = paths.stream().anyMatch(MultipathPath::up);
    String noPathRetry = map.isEmpty() ? EffectiveTimeouts.UNKNOWN : host.multipath().queueing(alias)
        .map(q -> EffectiveTimeouts.noPathRetry(q, anyPathUp)).orElse(EffectiveTimeouts.UNKNOWN);

    boolean staged = record.map(r -> r.phase() == StagedVolume.Phase.STAGED).orElse(false);
    boolean mounted = false;
    boolean readOnly = false;
    int publishes = 0;
    boolean heartbeat = false;
    if (record.isPresent()) {
      StagedVolume v = record.get();
      MountTable table = host.mounter().table();
      Optional<MountEntry> m = mounts.mountedAt(table, v.device(), v.stagingPath());
      mounted = m.isPresent();
      if (staged && !mapPresent) {
        problems.add("map /dev/mapper/" + alias + " is missing");
      }
      if (staged && !mounted) {
        problems.add("not mounted at the staging path " + v.stagingPath());
      }
      readOnly = wentReadOnly(m, spec);
      if (readOnly) {
        problems.add("the filesystem at " + v.stagingPath() + " went read-only (OCFS2 remounts it read-only after"
            + " I/O errors or a journal abort): check the SAN, then unmount and stage it again on this node");
      }
      for (String target : v.publishes().keySet()) {
        if (mounts.mountedAt(table, v.device(), target).isPresent()) {
          publishes++;
        }
      }
      // The user stack has no disk heartbeat: corosync watches the members over the network.
      if (!v.uuid().isEmpty() && spec.getFilesystem().getClusterStack() != ClusterStackKind.CLUSTER_STACK_USER) {
        heartbeat =
            host.o2cb().heartbeatRegions(spec.getFilesystem().getClusterName()).contains(O2cb.regionName(v.uuid()));
        if (mounted && !heartbeat) {
          problems.add("mounted but this node's o2cb disk heartbeat on the volume is not active");
        }
      }
    }
    VolumeHealth health = new VolumeHealth(
        spec.getVolumeId(), sessionHealth, paths, mapPresent, map.map(MultipathMap::wwid).orElse(""), staged,
        mounted, readOnly, heartbeat, publishes, problems, recovery,
        map.map(MultipathMap::queueing).orElse(false), noPathRetry);
    observer.accept(health);
    return health;
  }

  /**
   * The staging mount shows {@code ro} while the volume's mount options do not ask for it: the kernel turned it
   * read-only (errors=remount-ro, or an aborted journal), not the user.
   */
  static boolean wentReadOnly(Optional<MountEntry> staging, VolumeSpec spec) {
    return staging.isPresent() && staging.get().readOnly()
        && !spec.getFilesystem().getMountOptionsList().contains("ro");
  }

  /**
   * The staged volume whose staging or publish path {@code volumePath} is; NOT_FOUND otherwise, also for a path
   * that cannot be one (relative, not normalized): the volume does not exist there.
   */
  public StagedVolume stagedAt(String volumeId, String volumePath) {
    Requests.requireVolumeId(volumeId);
    Requests.requirePresent("volume_path", volumePath);
    try {
      Requests.requirePath("volume_path", volumePath);
    } catch (NodeException e) {
      throw NodeException.notFound("volume " + volumeId + " is not mounted at " + volumePath + " (" + e.getMessage()
          + ")");
    }
    StagedVolume v =
        state.volume(volumeId)
            .orElseThrow(() -> NodeException.notFound("volume " + volumeId + " is not staged on this node"));
    MountTable table = host.mounter().table();
    if (mounts.mountedAt(table, v.device(), volumePath).isEmpty()) {
      throw NodeException.notFound("volume " + volumeId + " is not mounted at " + volumePath);
    }
    return v;
  }

  public Statfs.Usage usage(String path) {
    return host.statfs().usage(path);
  }
}
