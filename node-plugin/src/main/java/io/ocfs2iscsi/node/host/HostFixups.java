package io.ocfs2iscsi.node.host;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Small repairs minimal host images need before the OCFS2 tools work (seen in the e2e guests): mkfs.ocfs2 and
 * mount.ocfs2 read /etc/mtab and fail with "No such file or directory while determining whether ... is mounted"
 * without it. Every distribution with systemd has it as this same link.
 */
public final class HostFixups {

  private static final Logger LOG = LoggerFactory.getLogger(HostFixups.class);

  private HostFixups() {}

  public static void ensureMtab(HostFiles files) {
    if (!files.existsNoFollow("/etc/mtab")) {
      files.createDirectories("/etc");
      files.createSymbolicLink("/etc/mtab", "../proc/self/mounts");
      LOG.info("created /etc/mtab -> ../proc/self/mounts (the OCFS2 tools need it)");
    }
  }
}
