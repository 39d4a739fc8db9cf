package io.ocfs2iscsi.node.state;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What the plugin did for one volume on this node, kept in the state dir so that a restarted plugin knows it
 * without looking at mounts. Written with phase STAGING before the first host change (so that an unstage can undo
 * a stage that failed half-way) and STAGED once mounted.
 *
 * @param devices the SCSI disks (sdX) of the LUN whose WWID was verified, with that WWID
 * @param publishes pod target paths bind-mounted from the staging path, with their read-only flag
 */
public record StagedVolume(
    String volumeId,
    Phase phase,
    String stagingPath,
    VolumeSpec spec,
    String wwid,
    String uuid,
    Map<String, String> devices,
    Map<String, Boolean> publishes) {

  public enum Phase {
    STAGING,
    STAGED
  }

  public StagedVolume {
    devices = Map.copyOf(devices);
    publishes = Map.copyOf(publishes);
  }

  public static StagedVolume staging(VolumeSpec spec, String stagingPath) {
    return new StagedVolume(spec.getVolumeId(), Phase.STAGING, stagingPath, spec, "", "", Map.of(), Map.of());
  }

  public StagedVolume withPhase(Phase p) {
    return new StagedVolume(volumeId, p, stagingPath, spec, wwid, uuid, devices, publishes);
  }

  public StagedVolume withLun(String newWwid, Map<String, String> newDevices) {
    return new StagedVolume(volumeId, phase, stagingPath, spec, newWwid, uuid, newDevices, publishes);
  }

  public StagedVolume withUuid(String newUuid) {
    return new StagedVolume(volumeId, phase, stagingPath, spec, wwid, newUuid, devices, publishes);
  }

  public StagedVolume withPublish(String targetPath, boolean readOnly) {
    Map<String, Boolean> p = new LinkedHashMap<>(publishes);
    p.put(targetPath, readOnly);
    return new StagedVolume(volumeId, phase, stagingPath, spec, wwid, uuid, devices, p);
  }

  public StagedVolume withoutPublish(String targetPath) {
    Map<String, Boolean> p = new LinkedHashMap<>(publishes);
    p.remove(targetPath);
    return new StagedVolume(volumeId, phase, stagingPath, spec, wwid, uuid, devices, p);
  }

  /** The WWID the volume's LUN must report: the pinned one, else the one verified at stage (empty if neither). */
  public String expectedWwid() {
    String pinned = spec.getMultipath().getWwid();
    return pinned.isEmpty() ? wwid : pinned;
  }

  public String device() {
    return "/dev/mapper/" + spec.getMultipath().getAlias();
  }

  Properties toProperties() {
    Properties p = new Properties();
    p.setProperty("volumeId", volumeId);
    p.setProperty("phase", phase.name());
    p.setProperty("stagingPath", stagingPath);
    p.setProperty("wwid", wwid);
    p.setProperty("uuid", uuid);
    VolumeContextCodec.encode(spec).forEach((k, v) -> p.setProperty("spec." + k, v));
    p.setProperty("devices", String.join(",", new TreeMap<>(devices).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).toList()));
    List<String> pubs = new ArrayList<>();
    new TreeMap<>(publishes).forEach((path, ro) -> pubs.add(path));
    for (int i = 0; i < pubs.size(); i++) {
      p.setProperty("publish." + i + ".path", pubs.get(i));
      p.setProperty("publish." + i + ".readOnly", Boolean.toString(publishes.get(pubs.get(i))));
    }
    return p;
  }

  static StagedVolume fromProperties(Properties p) {
    Map<String, String> ctx = new LinkedHashMap<>();
    for (String name : p.stringPropertyNames()) {
      if (name.startsWith("spec.")) {
        ctx.put(name.substring(5), p.getProperty(name));
      }
    }
    String volumeId = p.getProperty("volumeId");
    Map<String, String> devices = new LinkedHashMap<>();
    Arrays.stream(p.getProperty("devices", "").split(","))
        .filter(s -> s.contains("="))
        .forEach(s -> devices.put(s.substring(0, s.indexOf('=')), s.substring(s.indexOf('=') + 1)));
    Map<String, Boolean> publishes = new LinkedHashMap<>();
    for (int i = 0; p.getProperty("publish." + i + ".path") != null; i++) {
      publishes.put(
          p.getProperty("publish." + i + ".path"), Boolean.parseBoolean(p.getProperty("publish." + i + ".readOnly")));
    }
    return new StagedVolume(
        volumeId,
        Phase.valueOf(p.getProperty("phase")),
        p.getProperty("stagingPath", ""),
        VolumeContextCodec.decode(volumeId, ctx),
        p.getProperty("wwid", ""),
        p.getProperty("uuid", ""),
        devices,
        publishes);
  }
}
