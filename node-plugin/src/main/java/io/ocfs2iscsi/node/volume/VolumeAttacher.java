package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.host.HostTools;
import io.ocfs2iscsi.node.tools.IscsiSession;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.Portal;
import io.ocfs2iscsi.node.tools.ScsiSysfs;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Steps 1-3 (sessions, WWID, map), shared by NodeStageVolume and FormatVolume, and their undo in reverse.
 */
public final class VolumeAttacher {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeAttacher.class);

  private final HostTools host;
  private final StateStore state;
  private final IscsiLogin login;
  private final LunIdentity identity;
  private final MultipathMapper mapper;

  public VolumeAttacher(HostTools host, StateStore state, Timing timing) {
    this.host = host;
    this.state = state;
    this.login = new IscsiLogin(host, timing.otherPortalsWait());
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
    List<IscsiLogin.PortalPath> portals = times.time("iscsi_login", () -> login.connect(spec.getTarget(), chap));
    LunPaths lun = times.time("wwid", () -> identity.verify(spec, portals, knownDevices));
    List<VolumeSpec> others =
        state.volumes().stream().filter(v -> !v.volumeId().equals(spec.getVolumeId())).map(StagedVolume::spec)
            .toList();
    MultipathMap map = times.time("multipath", () -> mapper.assemble(spec, lun, others));
    logEffectiveTimeouts(spec, lun);
    return new Attached(lun, map, portals);
  }

  /** Portals (of any target) that currently have a session, to know afterwards which ones this call created. */
  public Set<Portal> portalsWithSessions(IscsiTarget target) {
    return new HashSet<>(IscsiLogin.sessionsOf(target.getIqn(), host.iscsiadm().sessions()).keySet());
  }

  /**
   * Undoes steps 3-1: flushes the map, deletes the LUN's SCSI disks, logs out of the sessions no other staged
   * volume uses and that are not in {@code keepAlso}.
   */
  public void detach(VolumeSpec spec, Set<String> knownDevices, Set<Portal> keepAlso) {
    mapper.dismantle(spec.getMultipath().getAlias());
    Set<String> disks = new LinkedHashSet<>(knownDevices);
    Map<Portal, IscsiSession> sessions = IscsiLogin.sessionsOf(spec.getTarget().getIqn(), host.iscsiadm().sessions());
    sessions
        .values()
        .forEach(s -> host.sysfs().disks(s.sid(), spec.getTarget().getLun()).stream()
            .map(ScsiSysfs.ScsiDisk::device).forEach(disks::add));
    for (String d : disks) {
      host.sysfs().delete(d);
    }
    Set<Portal> keep = new HashSet<>(keepAlso);
    for (StagedVolume other : state.volumes()) {
      if (!other.volumeId().equals(spec.getVolumeId())
          && other.spec().getTarget().getIqn().equals(spec.getTarget().getIqn())) {
        other.spec().getTarget().getPortalsList().forEach(p -> keep.add(Portal.parse(p)));
      }
    }
    login.disconnect(spec.getTarget(), keep, sessions);
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
