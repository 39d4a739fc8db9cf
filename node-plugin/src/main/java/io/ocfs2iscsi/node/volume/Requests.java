package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.contract.VolumeSpecChecks;
import io.ocfs2iscsi.node.NodeException;
import java.util.List;
import java.util.Map;

/**
 * What the volume operations are asked, after the gRPC layer translated the protos; and their checks, the only
 * checks of a request (the gRPC layer translates, the volume operations validate).
 */
public final class Requests {

  private Requests() {}

  /**
   * A CSI volume capability as the request carried it: block or mount access, the mount's fs_type (empty: unset)
   * and mount_flags (a PV's mountOptions).
   */
  public record Capability(boolean block, String fsType, List<String> mountFlags) {

    /** A mount capability with fs_type unset. */
    public static Capability mount(List<String> mountFlags) {
      return new Capability(false, "", mountFlags);
    }
  }

  /** @param capability null when the request has none */
  public record Stage(
      String volumeId, String stagingPath, VolumeSpec spec, Map<String, String> secrets, Capability capability) {

    public Stage(
        String volumeId, String stagingPath, VolumeSpec spec, Map<String, String> secrets, List<String> mountFlags) {
      this(volumeId, stagingPath, spec, secrets, Capability.mount(mountFlags));
    }

    /** The capability's mount flags (after {@link #requireMountCapability} passed). */
    public List<String> mountFlags() {
      return capability.mountFlags();
    }
  }

  public record Unstage(String volumeId, String stagingPath) {}

  /** @param capability null when the request has none */
  public record Publish(
      String volumeId, String stagingPath, String targetPath, boolean readOnly, Capability capability) {

    public Publish(
        String volumeId, String stagingPath, String targetPath, boolean readOnly, List<String> mountFlags) {
      this(volumeId, stagingPath, targetPath, readOnly, Capability.mount(mountFlags));
    }

    /** The capability's mount flags (after {@link #requireMountCapability} passed). */
    public List<String> mountFlags() {
      return capability.mountFlags();
    }
  }

  public record Unpublish(String volumeId, String targetPath) {}

  /** INVALID_ARGUMENT when a required field is unset. */
  static void requirePresent(String field, String value) {
    if (value == null || value.isEmpty()) {
      throw NodeException.invalidArgument(field + " is required");
    }
  }

  /**
   * A mount capability with fs_type ocfs2 (or unset). Other capabilities exceed what the volume supports:
   * FAILED_PRECONDITION, as the CSI spec's tables say.
   */
  static void requireMountCapability(Capability c) {
    if (c == null) {
      throw NodeException.invalidArgument("volume_capability is required");
    }
    if (c.block()) {
      throw NodeException.failedPrecondition(
          "block access is not supported: " + CsiDriver.NAME + " serves a shared OCFS2 filesystem (mount)");
    }
    if (!c.fsType().isEmpty() && !c.fsType().equals(CsiDriver.FS_TYPE)) {
      throw NodeException.failedPrecondition(
          "the volume is an OCFS2 filesystem: fs_type must be ocfs2 (or empty), got '" + c.fsType() + "'");
    }
  }

  /** The volume of a node agent call: present and valid (INVALID_ARGUMENT naming the field and the rules). */
  static void requireAgentVolume(VolumeSpec spec) {
    if (spec == null) {
      throw NodeException.invalidArgument("volume is required");
    }
    List<String> v = VolumeSpecChecks.violations(spec);
    if (!v.isEmpty()) {
      throw NodeException.invalidArgument("volume: " + String.join("; ", v));
    }
  }

  static void requireVolumeId(String volumeId) {
    requirePresent("volume_id", volumeId);
    if (!ValueRules.matches(ValueRules.DNS_SUBDOMAIN, volumeId)
        || volumeId.length() > ValueRules.DNS_SUBDOMAIN_MAX_LENGTH) {
      throw NodeException.invalidArgument("volume_id must be " + ValueRules.DNS_SUBDOMAIN_RULE);
    }
  }

  /**
   * Paths go to mount's argv and to the host's filesystem, and are compared with the mount table: absolute,
   * normalized (no '.', '..' or empty components, as the kernel lists mount points), no control characters.
   */
  static void requirePath(String field, String path) {
    requirePresent(field, path);
    if (!path.startsWith("/") || path.length() > 4096 || path.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw NodeException.invalidArgument(field + " must be an absolute path without control characters");
    }
    String inner = path.length() > 1 && path.endsWith("/") ? path.substring(1, path.length() - 1) : path.substring(1);
    for (String part : inner.split("/", -1)) {
      if (part.equals("..")) {
        throw NodeException.invalidArgument(field + " must not contain '..'");
      }
      if (part.equals(".") || (part.isEmpty() && !inner.isEmpty())) {
        throw NodeException.invalidArgument(field + " must be a normalized path (no '.' or empty components)");
      }
    }
  }

  /** The path without a trailing '/', as the mount table lists it. */
  static String normalized(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  static void requireValidSpec(String volumeId, VolumeSpec spec) {
    if (!spec.getVolumeId().equals(volumeId)) {
      throw NodeException.invalidArgument("volume_context describes volume " + spec.getVolumeId() + ", not "
          + volumeId);
    }
    List<String> v = VolumeSpecChecks.violations(spec);
    if (!v.isEmpty()) {
      throw NodeException.invalidArgument("volume_context: " + String.join("; ", v));
    }
  }

  static void requireMountFlags(List<String> flags) {
    for (String f : flags) {
      if (!ValueRules.matches(ValueRules.MOUNT_OPTION, f)) {
        throw NodeException.invalidArgument("mount flag '" + f + "' must be " + ValueRules.MOUNT_OPTION_RULE);
      }
    }
  }
}
