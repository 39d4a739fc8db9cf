package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.BlkidProbe;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.MkfsOcfs2;
import io.ocfs2iscsi.node.tools.MountedOcfs2;
import io.ocfs2iscsi.node.tools.MultipathMap;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.tools.ToolFailure;
import io.ocfs2iscsi.node.tools.Wipefs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FormatVolume: logs in and maps the LUN if needed, then formats it with OCFS2 only when it is known to be blank.
 * Three probes guard the data: blkid -p (any filesystem, partition table or RAID signature, read from the device,
 * not from a cache), mounted.ocfs2 -d (OCFS2 specifically) and wipefs (every signature, a second opinion); all
 * must answer cleanly, with every path of the map up before and after them, or nothing is written. A second call
 * finds the OCFS2 of the first and changes nothing. When the volume is not staged here, what this call attached is
 * detached again afterwards, so that no session stays behind on the node that formatted.
 */
public final class VolumeFormatter {

  private static final Logger LOG = LoggerFactory.getLogger(VolumeFormatter.class);

  private final HostTools host;
  private final StateStore state;
  private final VolumeLocks locks;
  private final SecretRedactor redactor;
  private final VolumeAttacher attacher;
  private final ClusterStack cluster;
  private final Timing timing;
  private final OperationDurations durations;

  /** Checker states of a path whose checker has not answered yet (multipath-tools' "undef", "i/o pending"). */
  private static final Set<String> SETTLING_CHECKER_STATES = Set.of("undef", "i/o pending");

  public VolumeFormatter(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, Timing timing,
      ClusterStack cluster, TargetLocks targets) {
    this(host, state, locks, redactor, timing, cluster, targets, OperationDurations.NONE);
  }

  public VolumeFormatter(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, Timing timing,
      ClusterStack cluster, TargetLocks targets, OperationDurations durations) {
    this.durations = durations;
    this.host = host;
    this.state = state;
    this.locks = locks;
    this.redactor = redactor;
    this.timing = timing;
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

  /** {@code nodeSlots}: of the new or existing OCFS2 filesystem; 0 when not known (or no OCFS2). */
  public record Result(
      Outcome outcome, String uuid, String label, String clusterName, String wwid, String device,
      String foundSignature, String message, int nodeSlots) {

    public Result(
        Outcome outcome, String uuid, String label, String clusterName, String wwid, String device,
        String foundSignature, String message) {
      this(outcome, uuid, label, clusterName, wwid, device, foundSignature, message, 0);
    }
  }

  public Result format(VolumeSpec spec, Map<String, String> secrets) {
    return format(spec, secrets, false);
  }

  /** With probeOnly (format policy Never) the LUN is probed the same way, and mkfs.ocfs2 never runs. */
  public Result format(VolumeSpec spec, Map<String, String> secrets, boolean probeOnly) {
    return format(spec, secrets, probeOnly, Cancellation.NONE);
  }

  /**
   * When the caller gives up ({@code cancellation}), the command running then (mkfs.ocfs2 too) is killed, none
   * starts after it, and the call ends with DEADLINE_EXCEEDED or CANCELLED.
   */
  public Result format(
      VolumeSpec spec, Map<String, String> secrets, boolean probeOnly, Cancellation cancellation) {
    Requests.requireAgentVolume(spec);
    Requests.requireVolumeId(spec.getVolumeId());
    long start = System.nanoTime();
    boolean ok = false;
    try (Cancellation.Bound bound = cancellation.bind();
        VolumeLocks.Held lock = locks.acquire(spec.getVolumeId(), spec.getTarget(), "FormatVolume")) {
      Result result =
          redactor.withSecrets(secrets.values(), () -> formatLocked(spec, secrets, probeOnly, cancellation));
      ok = true;
      return result;
    } catch (RuntimeException e) {
      throw cancellation.explain("FormatVolume of volume " + spec.getVolumeId(), e);
    } finally {
      durations.observe(OperationDurations.Operation.FORMAT, ok, System.nanoTime() - start);
    }
  }

  private Result formatLocked(
      VolumeSpec spec, Map<String, String> secrets, boolean probeOnly, Cancellation cancellation) {
    ChapCredentials chap = ChapCredentials.from(secrets, spec.getTarget().getChap());
    Optional<StagedVolume> staged = state.volume(spec.getVolumeId());
    return attacher.whileAttached(spec, chap, staged, "FormatVolume",
        attached -> formatIfBlank(spec, attached, probeOnly, cancellation));
  }

  private Result formatIfBlank(
      VolumeSpec spec, VolumeAttacher.Attached attached, boolean probeOnly, Cancellation cancellation) {
    String device = attached.device();
    String wwid = attached.lun().wwid();
    List<String> downBefore = pathProblems(spec, attached, cancellation);
    BlkidProbe probe = probed(device, () -> host.blkid().probe(device));
    if (probe.ocfs2()) {
      return existing(spec, device, wwid, probe);
    }
    if (!probe.blank()) {
      return foreign(spec, device, wwid, probe.describe(), probe.label().orElse(""));
    }
    List<MountedOcfs2.Detected> detected = host.mountedOcfs2().detect(device);
    if (!detected.isEmpty()) {
      MountedOcfs2.Detected d = detected.get(0);
      return new Result(Outcome.EXISTING_OCFS2, d.uuid(), d.label(), d.cluster(), wwid, device, "ocfs2",
          "mounted.ocfs2 found OCFS2 on " + device + "; nothing was written");
    }
    List<Wipefs.Signature> signatures = probed(device, () -> host.wipefs().signatures(device));
    if (!signatures.isEmpty()) {
      return foreign(spec, device, wwid,
          String.join(", ", signatures.stream().map(Wipefs.Signature::describe).toList())
              + " (found by wipefs; blkid -p found nothing)", "");
    }
    requireEveryPathUp(device, downBefore, "before the probes");
    requireEveryPathUp(device, pathProblems(spec, attached, cancellation), "after the probes");
    if (probeOnly) {
      return new Result(Outcome.BLANK, "", "", "", wwid, device, "",
          device + " carries no signature; probe only, nothing was written");
    }
    FilesystemSettings fs = spec.getFilesystem();
    cluster.ensureOnlineFor(fs.getClusterName(), fs.getClusterStack());
    cancellation.throwIfCancelled("FormatVolume of volume " + spec.getVolumeId() + " before mkfs.ocfs2");
    MkfsOcfs2.Report report =
        host.mkfs()
            .format(
                new MkfsOcfs2.Options(fs.getBlockSize(), fs.getClusterSize(), fs.getNodeSlots(), fs.getLabel(),
                    fs.getClusterName(), fs.getClusterStack()),
                device);
    BlkidProbe after = host.blkid().probe(device);
    LOG.info("{}: formatted {} with OCFS2 (label {}, {} node slots, UUID {})", spec.getVolumeId(), device,
        report.label(), report.nodeSlots(), after.uuid().orElse("?"));
    return new Result(Outcome.FORMATTED, after.uuid().orElse(""), after.label().orElse(fs.getLabel()),
        fs.getClusterName(), wwid, device, "", "formatted " + device + " with OCFS2", report.nodeSlots());
  }

  private Result foreign(VolumeSpec spec, String device, String wwid, String found, String label) {
    LOG.warn("{}: {} carries {}; not formatting", spec.getVolumeId(), device, found);
    return new Result(Outcome.FOREIGN_SIGNATURE, "", label, "", wwid, device, found,
        device + " carries " + found + "; nothing was written");
  }

  /** A probe that could not give a clean answer leaves the LUN unknown, never blank. */
  private static <T> T probed(String device, Supplier<T> probe) {
    try {
      return probe.get();
    } catch (ToolFailure e) {
      throw notKnownBlank(device, e.getMessage());
    }
  }

  /**
   * Blank is only known through every path: a probe through a map that fails I/O reads nothing, and blkid and
   * wipefs then report nothing. The paths are looked at before and after the probes, so that a path that failed
   * during them and came back is not missed.
   */
  private static void requireEveryPathUp(String device, List<String> problems, String when) {
    if (!problems.isEmpty()) {
      throw notKnownBlank(device, String.join(", ", problems) + " " + when);
    }
  }

  /**
   * What keeps a path of the LUN from carrying I/O now; empty when every portal's path is up in the map. Paths
   * still settling in a map just built (not in it yet, checker not run yet) are waited for, bounded.
   */
  private List<String> pathProblems(VolumeSpec spec, VolumeAttacher.Attached attached, Cancellation cancellation) {
    if (!attached.lun().down().isEmpty()) {
      return List.of("no path through " + attached.lun().down());
    }
    String alias = spec.getMultipath().getAlias();
    List<String> problems = List.of();
    for (int attempt = 0; attempt < timing.mapAttempts(); attempt++) {
      cancellation.throwIfCancelled("FormatVolume of volume " + spec.getVolumeId());
      Optional<MultipathMap> map = host.multipath().map(alias);
      if (map.isEmpty()) {
        return List.of("multipath does not list map " + alias);
      }
      problems = new ArrayList<>();
      boolean settling = false;
      for (String disk : attached.lun().devices()) {
        if (map.get().paths().stream().noneMatch(p -> p.device().equals(disk))) {
          problems.add("path " + disk + " is not in map " + alias);
          settling = true;
        }
      }
      for (MultipathPath p : map.get().paths()) {
        if (!p.up()) {
          problems.add("path " + p.device() + " (" + p.hctl() + ") is " + p.dmState() + "/" + p.checkerState());
          settling |= SETTLING_CHECKER_STATES.contains(p.checkerState());
        }
      }
      if (!settling) {
        return problems;
      }
      host.sleeper().sleep(timing.interval());
    }
    return problems;
  }

  private static NodeException notKnownBlank(String device, String why) {
    return NodeException.unavailable(device + " is not known to be blank: " + why + "; formatting needs a clean"
        + " result of both probes (blkid -p, wipefs) with every path up; nothing was written");
  }

  private Result existing(VolumeSpec spec, String device, String wwid, BlkidProbe probe) {
    String clusterName = "";
    try {
      clusterName = host.mountedOcfs2().detect(device).stream().findFirst().map(MountedOcfs2.Detected::cluster)
          .orElse("");
    } catch (RuntimeException e) {
      LOG.info("{}: mounted.ocfs2 -d {}: {}", spec.getVolumeId(), device, e.getMessage());
    }
    int slots = 0;
    try {
      slots = host.tunefs().nodeSlots(device);
    } catch (RuntimeException e) {
      LOG.info("{}: tunefs.ocfs2 -Q {}: {}", spec.getVolumeId(), device, e.getMessage());
    }
    return new Result(Outcome.EXISTING_OCFS2, probe.uuid().orElse(""), probe.label().orElse(""), clusterName, wwid,
        device, "ocfs2", device + " already carries OCFS2; nothing was written", slots);
  }
}
