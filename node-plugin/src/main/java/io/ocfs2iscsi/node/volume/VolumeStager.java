package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.cluster.StorageFencing;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountTable;
import io.ocfs2iscsi.node.tools.O2cb;
import io.ocfs2iscsi.node.tools.ReservationKey;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NodeStageVolume and NodeUnstageVolume: the reference setup on this node, in order (iSCSI, WWID, multipath, o2cb,
 * mount), each step checked against the host and skipped when it holds; undone in reverse.
 */
public final class VolumeStager {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeStager.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final SecretRedactor redactor;
  private final VolumeAttacher attacher;
  private final ClusterStack cluster;
  private final StorageFencing fencing;
  private final Ocfs2Mounts mounts;
  private final MapUsers mapUsers;
  private final Timing timing;
  private final KubeletPaths kubelet;
  private final OperationDurations durations;

  public VolumeStager(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, Timing timing,
      ClusterStack cluster, TargetLocks targets, KubeletPaths kubelet) {
    this(host, state, locks, redactor, timing, cluster, targets, kubelet, OperationDurations.NONE);
  }

  public VolumeStager(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, Timing timing,
      ClusterStack cluster, TargetLocks targets, KubeletPaths kubelet, OperationDurations durations) {
    this.durations = durations;
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.redactor = redactor;
    this.timing = timing;
    this.attacher = new VolumeAttacher(host, state, timing, targets);
    this.cluster = cluster;
    this.mounts = new Ocfs2Mounts(host);
    this.kubelet = kubelet;
    this.mapUsers = new MapUsers(host);
    this.fencing = new StorageFencing(host);
  }

  public void stage(Requests.Stage r) {
    Requests.requireVolumeId(r.volumeId());
    Requests.requirePresent("staging_target_path", r.stagingPath());
    Requests.requireMountCapability(r.capability());
    kubelet.require("staging_target_path", r.stagingPath());
    Requests.requireValidSpec(r.volumeId(), r.spec());
    Requests.requireMountFlags(r.mountFlags());
    VolumeSpec spec = r.spec();
    long start = System.nanoTime();
    boolean ok = false;
    try (VolumeLocks.Held lock = locks.acquire(r.volumeId(), spec.getTarget(), "NodeStageVolume")) {
      redactor.withSecrets(r.secrets().values(), () -> {
        stageLocked(r, spec);
        return null;
      });
      ok = true;
    } finally {
      durations.observe(OperationDurations.Operation.STAGE, ok, System.nanoTime() - start);
    }
  }

  private void stageLocked(Requests.Stage r, VolumeSpec spec) {
    ChapCredentials chap = ChapCredentials.from(r.secrets(), spec.getTarget().getChap());
    Optional<StagedVolume> before = state.volume(r.volumeId());
    if (before.isPresent() && before.get().phase() == StagedVolume.Phase.STAGED
        && !before.get().stagingPath().equals(r.stagingPath())) {
      throw new NodeException(
          NodeException.Code.ALREADY_EXISTS,
          "volume " + r.volumeId() + " is already staged at " + before.get().stagingPath() + ", not "
              + r.stagingPath());
    }
    StagedVolume record =
        before.map(b -> new StagedVolume(b.volumeId(), b.phase(), r.stagingPath(), spec, b.wwid(), b.uuid(),
                b.devices(), b.publishes()))
            .orElseGet(() -> StagedVolume.staging(spec, r.stagingPath()));
    // Recorded before the first host change, so that an unstage can undo a stage that fails half-way.
    state.save(record);

    StepTimes times = new StepTimes();
    Optional<ReservationKey> key = cluster.reservationKey(spec.getFilesystem().getClusterName());
    VolumeAttacher.Attached attached = attacher.attach(spec, chap, record.devices(), times, key.orElse(null));
    // The names of now replace the recorded ones: the kernel may have given those to other disks since.
    record = record.withLun(attached.lun().wwid(), attached.lun().deviceWwids());
    state.save(record);

    times.time("o2cb", () -> cluster.ensureOnlineFor(spec.getFilesystem().getClusterName(),
        spec.getFilesystem().getClusterStack()));
    if (key.isPresent()) {
      // Before the mount: under the reservation only registered members write.
      boolean mountedHere = host.mounter().table().at(r.stagingPath()).filter(e -> e.fsType().equals("ocfs2"))
          .isPresent();
      times.time("reservation", () -> fencing.join(spec.getMultipath().getAlias(), key.get(), mountedHere));
    }

    Optional<String> uuid =
        times.time("mount", () -> mounts.mount(spec, attached.device(), r.stagingPath(), r.mountFlags()));
    if (uuid.isPresent()) {
      record = record.withUuid(uuid.get());
    }
    state.save(record.withPhase(StagedVolume.Phase.STAGED));
    LOG.info(
        "staged {} at {}: {} of {} paths up{}", r.volumeId(), r.stagingPath(), attached.map().pathsUp(),
        spec.getTarget().getPortalsCount(),
        attached.lun().down().isEmpty() ? "" : ", down: " + attached.lun().down());
    LOG.info("stage steps of {}: {}", r.volumeId(), times);
    durations.observeStageSteps(times.steps());
  }

  public void unstage(Requests.Unstage r) {
    Requests.requireVolumeId(r.volumeId());
    kubelet.require("staging_target_path", r.stagingPath());
    long start = System.nanoTime();
    boolean ok = false;
    try {
      unstageChecked(r);
      ok = true;
    } finally {
      durations.observe(OperationDurations.Operation.UNSTAGE, ok, System.nanoTime() - start);
    }
  }

  private void unstageChecked(Requests.Unstage r) {
    try (VolumeLocks.Held lock = locks.acquire(r.volumeId(), "NodeUnstageVolume")) {
      Optional<StagedVolume> found = state.volume(r.volumeId());
      found.ifPresent(v -> lock.alsoLun(v.spec().getTarget()));
      MountTable table = host.mounter().table();
      if (found.isEmpty()) {
        // Nothing staged by this plugin: only an OCFS2 mount left at the staging path is removed, never one that
        // belongs to another volume staged here.
        Optional<MountEntry> left = table.at(r.stagingPath()).filter(e -> e.fsType().equals("ocfs2"));
        boolean another = left.isPresent() && state.volumes().stream().anyMatch(
            o -> o.stagingPath().equals(r.stagingPath()) || mounts.sameDevice(left.get().source(), o.device()));
        if (left.isPresent() && !another) {
          mounts.unmount(r.stagingPath());
        }
        return;
      }
      StagedVolume v = found.get();
      String device = v.device();
      List<String> published =
          table.entries().stream()
              .filter(e -> mounts.sameDevice(e.source(), device))
              .map(MountEntry::mountPoint)
              .filter(p -> !p.equals(v.stagingPath()) && !p.equals(r.stagingPath()))
              .distinct()
              .toList();
      if (!published.isEmpty()) {
        throw NodeException.failedPrecondition(
            "volume " + r.volumeId() + " is still published at " + published
                + ": NodeUnpublishVolume must come first");
      }
      for (String path : new java.util.LinkedHashSet<>(List.of(v.stagingPath(), r.stagingPath()))) {
        if (mounts.mountedAt(table, device, path).isPresent()) {
          mounts.unmount(path);
        }
      }
      leaveHeartbeat(v);
      fencing.leave(v.spec().getMultipath().getAlias());
      attacher.detach(v.spec(), v.expectedWwid(), Set.of());
      state.delete(r.volumeId());
      LOG.info("unstaged {}", r.volumeId());
    }
  }

  /**
   * The last unmount of the filesystem stops this node's disk heartbeat on the volume (local heartbeat: the kernel
   * runs ocfs2_hb_ctl -K when the superblock goes). The unmount here only removes the host's mount: while a pod's
   * mount namespace still mounts the filesystem, the superblock lives on and this node keeps writing to it, so the
   * heartbeat must go on (stopping it makes the other nodes replay this node's journal under its writes), and the
   * map and the sessions must stay. FAILED_PRECONDITION then, and kubelet retries; the state stays for that retry.
   * A region that outlives every mount (the kernel's own stop failed) would keep other nodes thinking this node
   * uses the volume: only then is it stopped here.
   */
  private void leaveHeartbeat(StagedVolume v) {
    String alias = v.spec().getMultipath().getAlias();
    MapUsers.Found users = mapUsers.of(alias);
    if (users.mounted()) {
      throw stillInUse(v, users, 0);
    }
    if (v.uuid().isEmpty()) {
      return;
    }
    String cluster = v.spec().getFilesystem().getClusterName();
    String region = O2cb.regionName(v.uuid());
    for (int attempt = 0; attempt < timing.unmountedAttempts(); attempt++) {
      if (!host.o2cb().heartbeatRegions(cluster).contains(region)) {
        return;
      }
      host.sleeper().sleep(timing.interval());
    }
    users = mapUsers.of(alias);
    if (!users.exists()) {
      throw NodeException.failedPrecondition(
          "volume " + v.volumeId() + ": this node's o2cb heartbeat region " + region + " still runs, but map "
              + alias + " is gone: the filesystem is mounted through another device; the heartbeat is left running");
    }
    // The region itself holds the map open once.
    if (users.usedBeyond(1)) {
      throw stillInUse(v, users, 1);
    }
    LOG.warn("{}: heartbeat region {} still active although nothing mounts {}; stopping it", v.volumeId(), region,
        alias);
    host.o2cb().stopHeartbeat(v.uuid());
  }

  private static NodeException stillInUse(StagedVolume v, MapUsers.Found users, int ownOpens) {
    return NodeException.failedPrecondition(
        "volume " + v.volumeId() + " is unmounted at its staging path but still in use: " + users.describe(ownOpens)
            + ". This node's o2cb heartbeat, the multipath map and the iSCSI sessions stay until it is released;"
            + " NodeUnstageVolume completes on a retry after that");
  }
}
