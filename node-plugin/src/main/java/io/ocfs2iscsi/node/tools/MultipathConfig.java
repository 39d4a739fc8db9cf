package io.ocfs2iscsi.node.tools;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Renders the plugin's multipath drop-ins (multipath reads every file in /etc/multipath/conf.d). Pure functions:
 * the same input always gives the same bytes, so a stage can compare and skip an unchanged file.
 *
 * <p>Per volume, {@code ocfs2iscsi-<alias>.conf}: the multipaths entry (wwid, alias, grouping, selector, failback,
 * no_path_retry) and, because multipath accepts path_checker and fast_io_fail_tmo only per device type (devices,
 * overrides or defaults; not in multipaths), a devices entry for the LUN's vendor/product. fast_io_fail_tmo is the
 * volume's replacement timeout: multipathd writes it into every iSCSI path's session as recovery_tmo when it takes
 * the path (its default 5 s would silently replace the node record's replacement_timeout). dev_loss_tmo is not
 * written: multipathd ignores it on iSCSI (the SCSI disk goes only with a logout). Host-wide, {@code ocfs2iscsi.conf}: polling_interval (a defaults-only setting; the smallest of
 * the staged volumes, which is safe for all) and a blacklist that keeps local disks out.
 */
public final class MultipathConfig {

  public static final String CONF_DIR = "/etc/multipath/conf.d";
  public static final String HOST_FILE = CONF_DIR + "/ocfs2iscsi.conf";

  /** Vendor/product strings that need no escaping inside a quoted multipath regular expression. */
  private static final Pattern PLAIN = Pattern.compile("^[A-Za-z0-9 _-]{1,40}$");

  private MultipathConfig() {}

  public static String volumeFile(String alias) {
    return CONF_DIR + "/ocfs2iscsi-" + alias + ".conf";
  }

  /**
   * What one volume's drop-in holds; every value is validated (ValueRules, VolumeSpecChecks) beforehand.
   * {@code reservationKey}: this node's SCSI-3 key on a volume fenced with persistent reservations, else null.
   * multipathd registers it on a path that appears or is reinstated (a new iSCSI session is a new I_T nexus, which
   * the target does not know the key of) as long as the key is still registered on the map's other paths: a node
   * whose key was preempted is not registered again behind the fencer's back.
   */
  public record VolumeEntry(
      String volumeId,
      String alias,
      String wwid,
      String vendor,
      String product,
      String pathGroupingPolicy,
      String pathSelector,
      String pathChecker,
      String failback,
      String noPathRetry,
      int replacementTimeoutSeconds,
      ReservationKey reservationKey) {

    public VolumeEntry(String volumeId, String alias, String wwid, String vendor, String product,
        String pathGroupingPolicy, String pathSelector, String pathChecker, String failback, String noPathRetry,
        int replacementTimeoutSeconds) {
      this(volumeId, alias, wwid, vendor, product, pathGroupingPolicy, pathSelector, pathChecker, failback,
          noPathRetry, replacementTimeoutSeconds, null);
    }
  }

  public static String renderVolume(VolumeEntry e) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Managed by csi.ocfs2iscsi.io for volume ").append(e.volumeId())
        .append(": written on stage, removed on unstage. Do not edit.\n");
    if (e.vendor() != null && e.product() != null && PLAIN.matcher(e.vendor()).matches()
        && PLAIN.matcher(e.product()).matches()) {
      sb.append("devices {\n")
          .append("\tdevice {\n")
          .append("\t\tvendor \"^").append(e.vendor()).append("$\"\n")
          .append("\t\tproduct \"^").append(e.product()).append("$\"\n")
          .append("\t\tpath_checker ").append(e.pathChecker()).append('\n')
          .append("\t\tfast_io_fail_tmo ").append(e.replacementTimeoutSeconds()).append('\n')
          .append("\t}\n")
          .append("}\n");
    }
    sb.append("multipaths {\n")
        .append("\tmultipath {\n")
        .append("\t\twwid ").append(e.wwid()).append('\n')
        .append("\t\talias ").append(e.alias()).append('\n')
        .append("\t\tpath_grouping_policy ").append(e.pathGroupingPolicy()).append('\n')
        .append("\t\tpath_selector \"").append(e.pathSelector()).append("\"\n")
        .append("\t\tfailback ").append(e.failback()).append('\n')
        .append("\t\tno_path_retry ").append(e.noPathRetry()).append('\n');
    if (e.reservationKey() != null) {
      sb.append("\t\treservation_key ").append(e.reservationKey().hex()).append('\n');
    }
    sb.append("\t}\n")
        .append("}\n");
    return sb.toString();
  }

  /** Device names multipath must never claim: RAM, loop, md, dm, optical, tape, virtio, Xen, UML, NVMe disks. */
  static final List<String> BLACKLISTED_DEVNODES =
      List.of("^(ram|raw|loop|fd|md|dm-|sr|scd|st|nbd|zram)[0-9]*", "^(hd|xvd|vd|ubd)[a-z]*", "^nvme");

  /** The host-wide drop-in: polling interval and the blacklist (device name patterns plus local disks' WWIDs). */
  public static String renderHost(int pollingIntervalSeconds, List<String> localDiskWwids) {
    StringBuilder sb = new StringBuilder();
    sb.append("# Managed by csi.ocfs2iscsi.io: host-wide settings of its volumes. Do not edit.\n")
        .append("defaults {\n")
        .append("\tpolling_interval ").append(pollingIntervalSeconds).append('\n')
        .append("}\n")
        .append("blacklist {\n");
    for (String d : BLACKLISTED_DEVNODES) {
      sb.append("\tdevnode \"").append(d).append("\"\n");
    }
    for (String w : localDiskWwids.stream().sorted().distinct().toList()) {
      sb.append("\twwid \"^").append(w).append("$\"\n");
    }
    sb.append("}\n");
    return sb.toString();
  }
}
