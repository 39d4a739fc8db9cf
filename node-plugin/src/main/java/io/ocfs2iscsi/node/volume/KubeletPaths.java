package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostFiles;

/**
 * kubelet's directory on the host (--kubelet-dir, {@value #DEFAULT_DIR} by default). Every staging and publish
 * path kubelet hands over lies below it, so a path elsewhere, or one that passes through a symbolic link below it
 * (which could lead anywhere), is refused before the plugin mounts, unmounts or removes anything there.
 */
public final class KubeletPaths {

  public static final String DEFAULT_DIR = "/var/lib/kubelet";

  private final String dir;
  private final HostFiles files;

  /** @param dir an absolute, normalized host path other than "/" (PluginConfig checks the flag) */
  public KubeletPaths(String dir, HostFiles files) {
    this.dir = Requests.normalized(dir);
    this.files = files;
  }

  public String dir() {
    return dir;
  }

  /** INVALID_ARGUMENT, naming the field and the rule, unless {@code path} is a safe path below the kubelet dir. */
  void require(String field, String path) {
    Requests.requirePath(field, path);
    String p = Requests.normalized(path);
    if (!p.startsWith(dir + "/")) {
      throw NodeException.invalidArgument(
          field + " must be a path below the kubelet directory " + dir + " (--kubelet-dir), got " + path);
    }
    StringBuilder prefix = new StringBuilder(dir);
    for (String part : p.substring(dir.length() + 1).split("/")) {
      prefix.append('/').append(part);
      if (files.isSymbolicLink(prefix.toString())) {
        throw NodeException.invalidArgument(
            field + " must not pass through a symbolic link (" + prefix + " is one, and may lead out of " + dir
                + "), got " + path);
      }
    }
  }
}
