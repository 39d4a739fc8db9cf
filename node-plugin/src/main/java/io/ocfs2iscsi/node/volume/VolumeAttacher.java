package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ReservationKey;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 1-3 (sessions, WWID, map), shared by NodeStageVolume and FormatVolume, and their undo in reverse.
 */
public final class VolumeAttacher {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeAttacher.class);

  private final HostTools host;
  private final StateStore state;
  private final TargetLocks targets;
  private final IscsiLogin login;
  private final LunIdentity identity;
  private final MultipathMapper mapper;

  public VolumeAttacher(HostTools host, StateStore state, Timing timing, TargetLocks targets) {
    this.host = host;
    this.state = state;
    this.targets = targets;
    this.login = new IscsiLogin(host, state, targets, timing.otherPortalsWait());
    this.identity = new LunIdentity(host, timing);
    this.mapper = new MultipathMapper(host, timing);
  }

  /** The LUN mapped on this node. */
  public record Attached(LunPaths lun, MultipathMap map, List<IscsiLogin.PortalPath> portals) {
    public String device() {
      return "/dev/mapper/" + map.name();
    }
  }

  /**
   * @param knownDevices disks verified by an earlier call (not read again)
   */
  public Attached attach(VolumeSpec spec, ChapCredentials chap, Map<String, String> knownDevices) {
    return attach(spec, chap, knownDevices, new StepTimes());
  }

  /** The same, with the duration of each step (iscsi_login, wwid, multipath) added to {@code times}. */
  public Attached attach(
      VolumeSpec spec, ChapCredentials chap, Map<String, String> knownDevices, StepTimes times) {
    return attach(spec, chap, knownDevices, times, null);
  }

  /** The same, for a volume fenced with persistent reservations: the map's drop-in names this node's key. */
  public Attached attach(VolumeSpec spec, ChapCredentials chap, Map<String, String> knownDevices, StepTimes times,
      ReservationKey reservationKey) {
    List<IscsiLogin.PortalPath> portals =
        times.time("iscsi_login", () -> {
          String iqn = spec.getTarget().getIqn();
          try (TargetLocks.Held target = targets.acquire(iqn, "login for " + spec.getVolumeId())) {
            return login.connect(spec.getTarget(), chap);
          }
        });
    LunPaths lun = times.time("wwid", () -> identity.verify(spec, portals, knownDevices));
    List<VolumeSpec> others =
        state.volumes().stream().filter(v -> !v.volumeId().equals(spec.getVolumeId())).map(StagedVolume::spec)
            .toList();
    MultipathMap map = times.time("multipath", () -> mapper.assemble(spec, lun, others, reservationKey));
    logEffectiveTimeouts(spec, lun);
    return new Attached(lun, map, portals);
  }

  /**
   * Runs {@code work} on the volume's map attached for one call (FormatVolume, SetNodeSlots) and, unless the volume
   * is staged here, detaches again what that call logged in, also when the caller gave up: no session of the call
   * stays behind, and sessions that were there before (another volume of the target) stay.
   */
  public <T> T whileAttached(VolumeSpec spec, ChapCredentials chap, Optional<StagedVolume> staged, String call,
      Function<Attached, T> work) {
    Set<Portal> hadSessions = portalsWithSessions(spec.getTarget());
    Attached attached = null;
    try (TargetLocks.Held inUse = inUse(spec)) {
      attached = attach(spec, chap, staged.map(StagedVolume::devices).orElse(Map.of()));
      return work.apply(attached);
    } finally {
      boolean createdSessions =
          spec.getTarget().getPortalsList().stream().map(Portal::parse).anyMatch(p -> !hadSessions.contains(p));
      if (staged.isEmpty() && attached != null && createdSessions) {
        try (Cancellation.Bound cleanup = Cancellation.NONE.bind()) {
          detach(spec, attached.lun().wwid(), hadSessions);
        } catch (RuntimeException e) {
          LOG.warn("{}: could not detach after {}: {}", spec.getVolumeId(), call, e.getMessage());
        }
      }
    }
  }

  /** Portals (of any target) that currently have a session, to know afterwards which ones this call created. */
  public Set<Portal> portalsWithSessions(IscsiTarget target) {
    return new HashSet<>(IscsiLogin.sessionsOf(target.getIqn(), host.iscsiadm().sessions()).keySet());
  }

  /**
   * For a call that attaches the volume without recording it in the state store (FormatVolume): until closed, its
   * sessions count as needed, and no unstage of another volume of the target logs them out.
   */
  public TargetLocks.Held inUse(VolumeSpec spec) {
    return targets.use(spec);
  }

  /**
   * Undoes steps 3-1: flushes the map, deletes the SCSI disks that are the volume's LUN now (see
   * {@link LunIdentity#currentDisks}) unless another volume of this node is the same LUN, and logs out of the
   * sessions the plugin logged in that no other volume (staged, or attached by a call in progress) and no portal in
   * {@code keepAlso} needs.
   *
   * @param wwid the volume's WWID (pinned, or verified when it was attached); empty when it was never known
   */
  public void detach(VolumeSpec spec, String wwid, Set<Portal> keepAlso) {
    mapper.dismantle(spec.getMultipath().getAlias());
    String iqn = spec.getTarget().getIqn();
    try (TargetLocks.Held target = targets.acquire(iqn, "logout for " + spec.getVolumeId())) {
      List<VolumeSpec> others =
          Stream.concat(state.volumes().stream().map(StagedVolume::spec), targets.attaching(iqn).stream())
              .filter(o -> o.getTarget().getIqn().equals(iqn) && !o.getVolumeId().equals(spec.getVolumeId()))
              .toList();
      Map<Portal, IscsiSession> sessions = IscsiLogin.sessionsOf(iqn, host.iscsiadm().sessions());
      if (others.stream().noneMatch(o -> o.getTarget().getLun() == spec.getTarget().getLun())) {
        for (String d : identity.currentDisks(spec, wwid, sessions.values())) {
          host.sysfs().delete(d);
        }
      }
      Set<Portal> needed = new HashSet<>(keepAlso);
      others.forEach(o -> o.getTarget().getPortalsList().forEach(p -> needed.add(Portal.parse(p))));
      List<String> unknown = state.quarantined();
      if (!unknown.isEmpty()) {
        // A volume whose record cannot be read may use any session of any target: keep them all.
        LOG.warn("{}: sessions of {} kept: the state records of {} are unreadable, so whether they use them is"
            + " unknown", spec.getVolumeId(), iqn, unknown);
        spec.getTarget().getPortalsList().forEach(p -> needed.add(Portal.parse(p)));
      }
      login.release(spec.getTarget(), needed, sessions);
    }
  }

  /**
   * The session recovery timeout the kernel applies, which multipathd's fast_io_fail_tmo overrides: logged next to
   * the configured replacement_timeout so that the effective failover time is visible.
   */
  private void logEffectiveTimeouts(VolumeSpec spec, LunPaths lun) {
    for (LunPaths.LunPath p : lun.paths()) {
      host.sysfs()
          .recoveryTimeout(p.sid())
          .ifPresent(
              t -> {
                if (t != spec.getTarget().getReplacementTimeoutSeconds()) {
                  LOG.info(
                      "{}: session {} ({}) recovers within {} s, not the configured replacement_timeout {} s"
                          + " (multipathd's fast_io_fail_tmo overrides it)",
                      spec.getVolumeId(), p.sid(), p.portal(), t, spec.getTarget().getReplacementTimeoutSeconds());
                }
              });
    }
  }
}
