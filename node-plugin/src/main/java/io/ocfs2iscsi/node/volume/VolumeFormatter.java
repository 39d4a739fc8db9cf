package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.host.HostTools;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.tools.BlkidProbe;
import io.ocfs2iscsi.node.tools.MkfsOcfs2;
import io.ocfs2iscsi.node.tools.MountedOcfs2;
import io.ocfs2iscsi.node.tools.Portal;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FormatVolume: logs in and maps the LUN if needed, then formats it with OCFS2 only when nothing at all is on it.
 * Two probes guard the data: blkid -p (any filesystem, partition table or RAID signature, read from the device,
 * not from a cache) and mounted.ocfs2 -d (OCFS2 specifically). A second call finds the OCFS2 of the first and
 * changes nothing. When the volume is not staged here, what this call attached is detached again afterwards, so
 * that no session stays behind on the node that formatted.
 */
public final class VolumeFormatter {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeFormatter.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final SecretRedactor redactor;
  private final VolumeAttacher attacher;
  private final ClusterStack cluster;

  public VolumeFormatter(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, Timing timing,
      ClusterStack cluster, TargetLocks targets) {
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.redactor = redactor;
    this.attacher = new VolumeAttacher(host, state, timing, targets);
    this.cluster = cluster;
  }

  public enum Outcome {
    FORMATTED,
    EXISTING_OCFS2,
    FOREIGN_SIGNATURE,
    /** Probe only, and nothing at all on the LUN. */
    BLANK
  }

  public record Result(
      Outcome outcome, String uuid, String label, String clusterName, String wwid, String device,
      String foundSignature, String message) {}

  public Result format(VolumeSpec spec, Map<String, String> secrets) {
    return format(spec, secrets, false);
  }

  /** With probeOnly (format policy Never) the LUN is probed the same way, and mkfs.ocfs2 never runs. */
  public Result format(VolumeSpec spec, Map<String, String> secrets, boolean probeOnly) {
    Requests.requireVolumeId(spec.getVolumeId());
    Requests.requireValidSpec(spec.getVolumeId(), spec);
    try (VolumeLocks.Held lock = locks.acquire(spec.getVolumeId(), "FormatVolume")) {
      return redactor.withSecrets(secrets.values(), () -> formatLocked(spec, secrets, probeOnly));
    }
  }

  private Result formatLocked(VolumeSpec spec, Map<String, String> secrets, boolean probeOnly) {
    ChapCredentials chap = ChapCredentials.from(secrets, spec.getTarget().getChap());
    Optional<StagedVolume> staged = state.volume(spec.getVolumeId());
    Set<Portal> hadSessions = attacher.portalsWithSessions(spec.getTarget());
    VolumeAttacher.Attached attached = null;
    try (TargetLocks.Held inUse = attacher.inUse(spec)) {
      attached =
          attacher.attach(spec, chap, staged.map(StagedVolume::devices).orElse(Map.of()));
      return formatIfBlank(spec, attached, probeOnly);
    } finally {
      boolean createdSessions =
          spec.getTarget().getPortalsList().stream().map(Portal::parse).anyMatch(p -> !hadSessions.contains(p));
      if (staged.isEmpty() && attached != null && createdSessions) {
        try {
          attacher.detach(spec, attached.lun().wwid(), hadSessions);
        } catch (RuntimeException e) {
          LOG.warn("{}: could not detach after FormatVolume: {}", spec.getVolumeId(), e.getMessage());
        }
      }
    }
  }

  private Result formatIfBlank(VolumeSpec spec, VolumeAttacher.Attached attached, boolean probeOnly) {
    String device = attached.device();
    String wwid = attached.lun().wwid();
    BlkidProbe probe = host.blkid().probe(device);
    if (probe.ocfs2()) {
      return existing(spec, device, wwid, probe);
    }
    if (!probe.blank()) {
      String found = probe.describe();
      LOG.warn("{}: {} carries {}; not formatting", spec.getVolumeId(), device, found);
      return new Result(Outcome.FOREIGN_SIGNATURE, "", probe.label().orElse(""), "", wwid, device, found,
          device + " carries " + found + "; nothing was written");
    }
    List<MountedOcfs2.Detected> detected = host.mountedOcfs2().detect(device);
    if (!detected.isEmpty()) {
      MountedOcfs2.Detected d = detected.get(0);
      return new Result(Outcome.EXISTING_OCFS2, d.uuid(), d.label(), d.cluster(), wwid, device, "ocfs2",
          "mounted.ocfs2 found OCFS2 on " + device + "; nothing was written");
    }
    if (probeOnly) {
      return new Result(Outcome.BLANK, "", "", "", wwid, device, "",
          device + " carries no signature; probe only, nothing was written");
    }
    FilesystemSettings fs = spec.getFilesystem();
    cluster.ensureOnlineFor(fs.getClusterName());
    MkfsOcfs2.Report report =
        host.mkfs()
            .format(
                new MkfsOcfs2.Options(fs.getBlockSize(), fs.getClusterSize(), fs.getNodeSlots(), fs.getLabel(),
                    fs.getClusterName()),
                device);
    BlkidProbe after = host.blkid().probe(device);
    LOG.info("{}: formatted {} with OCFS2 (label {}, {} node slots, UUID {})", spec.getVolumeId(), device,
        report.label(), report.nodeSlots(), after.uuid().orElse("?"));
    return new Result(Outcome.FORMATTED, after.uuid().orElse(""), after.label().orElse(fs.getLabel()),
        fs.getClusterName(), wwid, device, "", "formatted " + device + " with OCFS2");
  }

  private Result existing(VolumeSpec spec, String device, String wwid, BlkidProbe probe) {
    String clusterName = "";
    try {
      clusterName = host.mountedOcfs2().detect(device).stream().findFirst().map(MountedOcfs2.Detected::cluster)
          .orElse("");
    } catch (RuntimeException e) {
      LOG.info("{}: mounted.ocfs2 -d {}: {}", spec.getVolumeId(), device, e.getMessage());
    }
    return new Result(Outcome.EXISTING_OCFS2, probe.uuid().orElse(""), probe.label().orElse(""), clusterName, wwid,
        device, "ocfs2", device + " already carries OCFS2; nothing was written");
  }
}
