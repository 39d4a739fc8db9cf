package io.ocfs2iscsi.contract;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Encodes a {@link VolumeSpec} as the flat string map that a PersistentVolume carries in
 * {@code spec.csi.volumeAttributes} and kubelet hands to NodeStageVolume as {@code volume_context}, and back.
 * The operator encodes, the node plugin decodes: one codec, so the two cannot disagree on a key.
 */
public final class VolumeContextCodec {

  private VolumeContextCodec() {}

  public static final String IQN = "iqn";
  public static final String LUN = "lun";
  /** Comma-separated host:port list. */
  public static final String PORTALS = "portals";
  /** Comma-separated portal=interface pairs, e.g. 192.168.0.180:3260=eth1 (neither contains ',' or '='). */
  public static final String PORTAL_INTERFACES = "portalInterfaces";
  public static final String REPLACEMENT_TIMEOUT_SECONDS = "replacementTimeoutSeconds";
  public static final String NOOP_OUT_INTERVAL_SECONDS = "noopOutIntervalSeconds";
  public static final String NOOP_OUT_TIMEOUT_SECONDS = "noopOutTimeoutSeconds";
  public static final String STARTUP = "startup";
  public static final String CHAP = "chap";
  public static final String ALIAS = "alias";
  public static final String WWID = "wwid";
  public static final String PATH_GROUPING_POLICY = "pathGroupingPolicy";
  public static final String PATH_SELECTOR = "pathSelector";
  public static final String PATH_CHECKER = "pathChecker";
  public static final String POLLING_INTERVAL_SECONDS = "pollingIntervalSeconds";
  public static final String FAILBACK = "failback";
  public static final String NO_PATH_RETRY = "noPathRetry";
  public static final String CLUSTER_NAME = "clusterName";
  public static final String LABEL = "label";
  public static final String BLOCK_SIZE = "blockSize";
  public static final String CLUSTER_SIZE = "clusterSize";
  public static final String NODE_SLOTS = "nodeSlots";
  /** Comma-separated mount options (each option is comma-free by {@link ValueRules#MOUNT_OPTION}). */
  public static final String MOUNT_OPTIONS = "mountOptions";
  /**
   * o2cb or user ({@link ClusterStackNames}). Written only for the user stack: absent means o2cb, so contexts of
   * o2cb volumes stay what they were before the user stack existed.
   */
  public static final String CLUSTER_STACK = "clusterStack";

  /** Keys a volume_context must carry; the others may be absent (empty or defaulted by the node). */
  public static final List<String> REQUIRED =
      List.of(IQN, LUN, PORTALS, ALIAS, CLUSTER_NAME, REPLACEMENT_TIMEOUT_SECONDS, POLLING_INTERVAL_SECONDS);

  public static Map<String, String> encode(VolumeSpec spec) {
    Map<String, String> m = new LinkedHashMap<>();
    IscsiTarget t = spec.getTarget();
    m.put(IQN, t.getIqn());
    m.put(LUN, Integer.toUnsignedString(t.getLun()));
    m.put(PORTALS, String.join(",", t.getPortalsList()));
    if (t.getPortalInterfacesCount() > 0) {
      m.put(PORTAL_INTERFACES, String.join(",", new TreeMap<>(t.getPortalInterfacesMap()).entrySet().stream()
          .map(e -> e.getKey() + "=" + e.getValue()).toList()));
    }
    m.put(REPLACEMENT_TIMEOUT_SECONDS, Integer.toUnsignedString(t.getReplacementTimeoutSeconds()));
    if (t.getNoopOutIntervalSeconds() != 0) {
      m.put(NOOP_OUT_INTERVAL_SECONDS, Integer.toUnsignedString(t.getNoopOutIntervalSeconds()));
    }
    if (t.getNoopOutTimeoutSeconds() != 0) {
      m.put(NOOP_OUT_TIMEOUT_SECONDS, Integer.toUnsignedString(t.getNoopOutTimeoutSeconds()));
    }
    m.put(STARTUP, t.getStartup());
    m.put(CHAP, Boolean.toString(t.getChap()));
    MultipathSettings mp = spec.getMultipath();
    m.put(ALIAS, mp.getAlias());
    putIfSet(m, WWID, mp.getWwid());
    m.put(PATH_GROUPING_POLICY, mp.getPathGroupingPolicy());
    m.put(PATH_SELECTOR, mp.getPathSelector());
    m.put(PATH_CHECKER, mp.getPathChecker());
    m.put(POLLING_INTERVAL_SECONDS, Integer.toUnsignedString(mp.getPollingIntervalSeconds()));
    m.put(FAILBACK, mp.getFailback());
    m.put(NO_PATH_RETRY, mp.getNoPathRetry());
    FilesystemSettings fs = spec.getFilesystem();
    m.put(CLUSTER_NAME, fs.getClusterName());
    m.put(LABEL, fs.getLabel());
    m.put(BLOCK_SIZE, fs.getBlockSize());
    m.put(CLUSTER_SIZE, fs.getClusterSize());
    m.put(NODE_SLOTS, Integer.toUnsignedString(fs.getNodeSlots()));
    m.put(MOUNT_OPTIONS, String.join(",", fs.getMountOptionsList()));
    if (fs.getClusterStack() != ClusterStackKind.CLUSTER_STACK_O2CB) {
      m.put(CLUSTER_STACK, ClusterStackNames.name(fs.getClusterStack()));
    }
    return m;
  }

  /**
   * Decodes a volume_context. Throws {@link IllegalArgumentException} naming the key when a required key is
   * missing or a number does not parse; the values themselves are checked by {@link VolumeSpecChecks}.
   */
  public static VolumeSpec decode(String volumeId, Map<String, String> ctx) {
    for (String key : REQUIRED) {
      if (ctx.get(key) == null || ctx.get(key).isBlank()) {
        throw new IllegalArgumentException("volume_context[" + key + "] is required");
      }
    }
    IscsiTarget target =
        IscsiTarget.newBuilder()
            .setIqn(ctx.get(IQN))
            .setLun(number(ctx, LUN))
            .addAllPortals(list(ctx.get(PORTALS)))
            .putAllPortalInterfaces(pairs(ctx, PORTAL_INTERFACES))
            .setReplacementTimeoutSeconds(number(ctx, REPLACEMENT_TIMEOUT_SECONDS))
            .setNoopOutIntervalSeconds(ctx.containsKey(NOOP_OUT_INTERVAL_SECONDS)
                ? number(ctx, NOOP_OUT_INTERVAL_SECONDS) : 0)
            .setNoopOutTimeoutSeconds(ctx.containsKey(NOOP_OUT_TIMEOUT_SECONDS) ? number(ctx, NOOP_OUT_TIMEOUT_SECONDS) : 0)
            .setStartup(ctx.getOrDefault(STARTUP, "automatic"))
            .setChap(Boolean.parseBoolean(ctx.getOrDefault(CHAP, "false")))
            .build();
    MultipathSettings multipath =
        MultipathSettings.newBuilder()
            .setAlias(ctx.get(ALIAS))
            .setWwid(ctx.getOrDefault(WWID, ""))
            .setPathGroupingPolicy(ctx.getOrDefault(PATH_GROUPING_POLICY, "multibus"))
            .setPathSelector(ctx.getOrDefault(PATH_SELECTOR, "round-robin 0"))
            .setPathChecker(ctx.getOrDefault(PATH_CHECKER, "tur"))
            .setPollingIntervalSeconds(number(ctx, POLLING_INTERVAL_SECONDS))
            .setFailback(ctx.getOrDefault(FAILBACK, "immediate"))
            .setNoPathRetry(ctx.getOrDefault(NO_PATH_RETRY, "queue"))
            .build();
    FilesystemSettings filesystem =
        FilesystemSettings.newBuilder()
            .setClusterName(ctx.get(CLUSTER_NAME))
            .setLabel(ctx.getOrDefault(LABEL, ""))
            .setBlockSize(ctx.getOrDefault(BLOCK_SIZE, "4K"))
            .setClusterSize(ctx.getOrDefault(CLUSTER_SIZE, "32K"))
            .setNodeSlots(ctx.containsKey(NODE_SLOTS) ? number(ctx, NODE_SLOTS) : 4)
            .addAllMountOptions(list(ctx.getOrDefault(MOUNT_OPTIONS, "")))
            .setClusterStack(stack(ctx))
            .build();
    return VolumeSpec.newBuilder()
        .setVolumeId(volumeId)
        .setTarget(target)
        .setMultipath(multipath)
        .setFilesystem(filesystem)
        .build();
  }

  private static ClusterStackKind stack(Map<String, String> ctx) {
    String raw = ctx.getOrDefault(CLUSTER_STACK, ClusterStackNames.O2CB);
    return ClusterStackNames.of(raw.trim()).orElseThrow(() -> new IllegalArgumentException(
        "volume_context[" + CLUSTER_STACK + "] must be " + ClusterStackNames.RULE + ", got '" + raw + "'"));
  }

  private static void putIfSet(Map<String, String> m, String key, String value) {
    if (value != null && !value.isEmpty()) {
      m.put(key, value);
    }
  }

  /**
   * A uint32 field's text: 0 to 2^32-1, stored in the int as proto does (the range each field allows is
   * {@link VolumeSpecChecks}' to check, on the unsigned value).
   */
  private static int number(Map<String, String> ctx, String key) {
    String raw = ctx.get(key);
    try {
      long n = Long.parseLong(raw.trim());
      if (n < 0 || n > ValueRules.UINT32_MAX) {
        throw new NumberFormatException();
      }
      return (int) n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("volume_context[" + key + "] must be a whole number between 0 and "
          + ValueRules.UINT32_MAX + ", got '" + raw + "'");
    }
  }

  /** "a=x,b=y" as a map; a pair without '=' or with an empty side is an error naming the key. */
  private static Map<String, String> pairs(Map<String, String> ctx, String key) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : list(ctx.getOrDefault(key, ""))) {
      int eq = pair.lastIndexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new IllegalArgumentException(
            "volume_context[" + key + "] must be comma-separated portal=interface pairs, got '" + pair + "'");
      }
      out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return out;
  }

  private static List<String> list(String csv) {
    return Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
  }
}
