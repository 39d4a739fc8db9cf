package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.HostFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What the kernel shows in sysfs about iSCSI sessions and SCSI disks: which sdX belongs to which session and LUN
 * (/sys/class/iscsi_session/sessionN/device/targetH:C:T/H:C:T:L/block/sdX), a session's effective recovery
 * timeout, and the SCSI device delete switch.
 */
public final class ScsiSysfs {

  static final String SESSIONS = "/sys/class/iscsi_session";

  private static final Pattern BLOCK_DEVICE = Pattern.compile("^[a-z]+[a-z0-9]*$");

  private final HostFiles files;

  public ScsiSysfs(HostFiles files) {
    this.files = files;
  }

  /** A SCSI disk: its host:channel:id:lun address and block device name. */
  public record ScsiDisk(String hctl, String device) {}

  /** The disks of one LUN behind one session (normally one; none while the kernel is still scanning). */
  public List<ScsiDisk> disks(int sid, int lun) {
    String base = SESSIONS + "/session" + sid + "/device";
    List<ScsiDisk> out = new ArrayList<>();
    for (String target : files.list(base)) {
      if (!target.startsWith("target")) {
        continue;
      }
      for (String hctl : files.list(base + "/" + target)) {
        String[] parts = hctl.split(":");
        if (parts.length != 4 || !parts[3].equals(Integer.toString(lun))) {
          continue;
        }
        for (String dev : files.list(base + "/" + target + "/" + hctl + "/block")) {
          if (BLOCK_DEVICE.matcher(dev).matches()) {
            out.add(new ScsiDisk(hctl, dev));
          }
        }
      }
    }
    return out;
  }

  /**
   * The session's recovery timeout in seconds as the kernel applies it. Set on the node record as
   * replacement_timeout, but multipathd overrides it with its fast_io_fail_tmo (5 s by default) when it takes the
   * path: the value read here is the one that holds.
   */
  public Optional<Integer> recoveryTimeout(int sid) {
    return files
        .read(SESSIONS + "/session" + sid + "/recovery_tmo")
        .map(String::strip)
        .filter(s -> s.matches("-?\\d+"))
        .map(Integer::parseInt);
  }

  /**
   * The session's failover timeouts as the kernel applies them: recovery_tmo, and its connection's recv_tmo and
   * ping_tmo (the node record's noop_out_interval and noop_out_timeout, given to the kernel at login).
   */
  public EffectiveTimeouts.Session sessionTimeouts(int sid) {
    String connection = "/sys/class/iscsi_connection/connection" + sid + ":0";
    return new EffectiveTimeouts.Session(
        attribute(SESSIONS + "/session" + sid + "/recovery_tmo"),
        attribute(connection + "/recv_tmo"),
        attribute(connection + "/ping_tmo"));
  }

  private int attribute(String path) {
    return files.read(path).flatMap(EffectiveTimeouts::seconds).orElse(0);
  }

  /** Removes the SCSI disk from the kernel, so that a logout does not wait on a device still in use. */
  public void delete(String device) {
    String path = "/sys/block/" + device + "/device/delete";
    if (files.exists(path)) {
      files.writeAttribute(path, "1");
    }
  }

  /**
   * The size of a block device (an sdX path or a dm-N map) in bytes, as the kernel has it now: sysfs counts
   * 512-byte sectors whatever the logical block size.
   */
  public Optional<Long> sizeBytes(String device) {
    if (!BLOCK_DEVICE.matcher(device).matches() && !device.matches("dm-\\d+")) {
      throw new IllegalArgumentException("not a block device name: " + device);
    }
    return files.read("/sys/block/" + device + "/size").map(String::strip).filter(s -> s.matches("\\d{1,19}"))
        .map(s -> Long.parseLong(s) * 512);
  }

  public boolean exists(String device) {
    return files.exists("/sys/block/" + device);
  }

  public Optional<String> vendor(String device) {
    return files.read("/sys/block/" + device + "/device/vendor").map(String::strip);
  }

  public Optional<String> model(String device) {
    return files.read("/sys/block/" + device + "/device/model").map(String::strip);
  }

  /**
   * SCSI disks of the host that are not behind an iSCSI session (their sysfs path has no sessionN component):
   * local disks, which multipath must leave alone.
   */
  public List<String> localScsiDisks() {
    List<String> out = new ArrayList<>();
    for (String dev : files.list("/sys/block")) {
      if (!dev.startsWith("sd")) {
        continue;
      }
      try {
        String real = files.resolve("/sys/block/" + dev).toRealPath().toString();
        if (!real.matches(".*/session\\d+/.*")) {
          out.add(dev);
        }
      } catch (IOException e) {
        // A disk that vanished while listing is no local disk to protect.
      }
    }
    return out;
  }
}
