package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.contract.VolumeSpecChecks;
import io.ocfs2iscsi.node.NodeException;
import java.util.List;
import java.util.Map;

/** What the volume operations are asked, after the gRPC layer translated the protos; and their checks. */
public final class Requests {

  private Requests() {}

  public record Stage(
      String volumeId, String stagingPath, VolumeSpec spec, Map<String, String> secrets, List<String> mountFlags) {}

  public record Unstage(String volumeId, String stagingPath) {}

  /** @param mountFlags the capability's mount_flags (a PV's mountOptions) */
  public record Publish(
      String volumeId, String stagingPath, String targetPath, boolean readOnly, List<String> mountFlags) {}

  public record Unpublish(String volumeId, String targetPath) {}

  static void requireVolumeId(String volumeId) {
    if (volumeId == null || volumeId.isEmpty()) {
      throw NodeException.invalidArgument("volume_id is required");
    }
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
    if (path == null || path.isEmpty()) {
      throw NodeException.invalidArgument(field + " is required");
    }
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
