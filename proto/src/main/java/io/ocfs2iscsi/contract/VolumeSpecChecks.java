package io.ocfs2iscsi.contract;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Checks every value of a {@link VolumeSpec} before any of it reaches a command line or a config file on a node.
 * The operator validated the resource already; the node checks again because volume_context can be written by
 * anyone who can create a PersistentVolume.
 */
public final class VolumeSpecChecks {

  private VolumeSpecChecks() {}

  public static final Set<String> BLOCK_SIZES = Set.of("512", "1K", "2K", "4K");
  public static final Set<String> CLUSTER_SIZES =
      Set.of("4K", "8K", "16K", "32K", "64K", "128K", "256K", "512K", "1M");
  public static final Set<String> PATH_GROUPING_POLICIES =
      Set.of("failover", "multibus", "group_by_serial", "group_by_prio", "group_by_node_name");
  public static final Set<String> PATH_SELECTORS =
      Set.of("round-robin 0", "queue-length 0", "service-time 0", "historical-service-time 0");
  public static final Set<String> PATH_CHECKERS =
      Set.of("tur", "readsector0", "directio", "rdac", "emc_clariion", "hp_sw", "none");
  public static final Set<String> STARTUP_MODES = Set.of("automatic", "manual");

  public static final int MAX_PORTALS = 8;
  public static final int MAX_LUN = 16383;
  public static final int MAX_NODE_SLOTS = 255;

  /** Field-named problems, empty when the spec is safe to use. */
  public static List<String> violations(VolumeSpec spec) {
    List<String> out = new ArrayList<>();
    check(out, "volume_id", spec.getVolumeId(), ValueRules.DNS_SUBDOMAIN, ValueRules.DNS_SUBDOMAIN_RULE);

    IscsiTarget t = spec.getTarget();
    if (t.getIqn().length() > ValueRules.IQN_MAX_LENGTH) {
      out.add("target.iqn: must be at most " + ValueRules.IQN_MAX_LENGTH + " characters");
    } else {
      check(out, "target.iqn", t.getIqn(), ValueRules.IQN, ValueRules.IQN_RULE);
    }
    uint32(out, "target.lun", t.getLun(), 0, MAX_LUN);
    if (t.getPortalsCount() < 1 || t.getPortalsCount() > MAX_PORTALS) {
      out.add("target.portals: must list 1 to " + MAX_PORTALS + " portals, got " + t.getPortalsCount());
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < t.getPortalsCount(); i++) {
      String p = t.getPortals(i);
      check(out, "target.portals[" + i + "]", p, ValueRules.PORTAL, ValueRules.PORTAL_RULE);
      if (!seen.add(p)) {
        out.add("target.portals[" + i + "]: duplicate portal " + p);
      }
    }
    for (Map.Entry<String, String> binding : new TreeMap<>(t.getPortalInterfacesMap()).entrySet()) {
      String field = "target.portal_interfaces[" + binding.getKey() + "]";
      if (!seen.contains(binding.getKey())) {
        out.add(field + ": names a portal that target.portals does not list " + t.getPortalsList());
      }
      check(out, field, binding.getValue(), ValueRules.INTERFACE_NAME, ValueRules.INTERFACE_NAME_RULE);
    }
    uint32(out, "target.replacement_timeout_seconds", t.getReplacementTimeoutSeconds(), 1, 600);
    // 0: not set, the node record keeps iscsid.conf's value
    uint32(out, "target.noop_out_interval_seconds", t.getNoopOutIntervalSeconds(), 0, FailoverDefaults.NOOP_OUT_MAX);
    uint32(out, "target.noop_out_timeout_seconds", t.getNoopOutTimeoutSeconds(), 0, FailoverDefaults.NOOP_OUT_MAX);
    oneOf(out, "target.startup", t.getStartup(), STARTUP_MODES);

    MultipathSettings mp = spec.getMultipath();
    check(out, "multipath.alias", mp.getAlias(), ValueRules.ALIAS, ValueRules.ALIAS_RULE);
    if (!mp.getWwid().isEmpty()) {
      check(out, "multipath.wwid", mp.getWwid(), ValueRules.WWID, ValueRules.WWID_RULE);
    }
    oneOf(out, "multipath.path_grouping_policy", mp.getPathGroupingPolicy(), PATH_GROUPING_POLICIES);
    oneOf(out, "multipath.path_selector", mp.getPathSelector(), PATH_SELECTORS);
    oneOf(out, "multipath.path_checker", mp.getPathChecker(), PATH_CHECKERS);
    uint32(out, "multipath.polling_interval_seconds", mp.getPollingIntervalSeconds(), 1, 60);
    check(out, "multipath.failback", mp.getFailback(), ValueRules.FAILBACK, ValueRules.FAILBACK_RULE);
    check(
        out, "multipath.no_path_retry", mp.getNoPathRetry(), ValueRules.NO_PATH_RETRY, ValueRules.NO_PATH_RETRY_RULE);

    FilesystemSettings fs = spec.getFilesystem();
    check(
        out, "filesystem.cluster_name", fs.getClusterName(), ValueRules.CLUSTER_NAME, ValueRules.CLUSTER_NAME_RULE);
    if (!fs.getLabel().isEmpty()) {
      check(out, "filesystem.label", fs.getLabel(), ValueRules.LABEL, ValueRules.LABEL_RULE);
    }
    oneOf(out, "filesystem.block_size", fs.getBlockSize(), BLOCK_SIZES);
    oneOf(out, "filesystem.cluster_size", fs.getClusterSize(), CLUSTER_SIZES);
    uint32(out, "filesystem.node_slots", fs.getNodeSlots(), 1, MAX_NODE_SLOTS);
    if (fs.getClusterStack() == ClusterStackKind.UNRECOGNIZED) {
      out.add("filesystem.cluster_stack: must be " + ClusterStackNames.RULE + ", got enum value "
          + fs.getClusterStackValue());
    }
    for (int i = 0; i < fs.getMountOptionsCount(); i++) {
      check(
          out,
          "filesystem.mount_options[" + i + "]",
          fs.getMountOptions(i),
          ValueRules.MOUNT_OPTION,
          ValueRules.MOUNT_OPTION_RULE);
    }
    return out;
  }

  /** Size strings like 4K or 1M in bytes. */
  public static long bytes(String size) {
    String s = size.trim().toUpperCase();
    long unit = 1;
    if (s.endsWith("K")) {
      unit = 1024;
    } else if (s.endsWith("M")) {
      unit = 1024 * 1024;
    }
    String digits = unit == 1 ? s : s.substring(0, s.length() - 1);
    return Long.parseLong(digits) * unit;
  }

  /** A uint32 field, compared as the unsigned number it is. */
  private static void uint32(List<String> out, String field, int raw, long min, long max) {
    ValueRules.uint32OutOfRange(field, raw, min, max).ifPresent(out::add);
  }

  private static void check(List<String> out, String field, String value, String pattern, String rule) {
    if (!ValueRules.matches(pattern, value)) {
      out.add(field + ": must be " + rule + ", got '" + value + "'");
    }
  }

  private static void oneOf(List<String> out, String field, String value, Set<String> allowed) {
    if (!allowed.contains(value)) {
      out.add(field + ": must be one of " + allowed.stream().sorted().toList() + ", got '" + value + "'");
    }
  }
}
