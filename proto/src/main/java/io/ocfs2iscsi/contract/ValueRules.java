package io.ocfs2iscsi.contract;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The syntax of every value that reaches a host command line or a config file. The same constants feed the CRD
 * schema (through {@code @Pattern} annotations), the operator's validator and the node plugin's checks, so the
 * three cannot drift. Patterns are anchored and use the subset shared by Java and ECMA-262 regular expressions.
 */
public final class ValueRules {

  private ValueRules() {}

  /** RFC 3720 iSCSI names: iqn.YYYY-MM.reversed.domain[:suffix], eui.<16 hex>, naa.<16 or 32 hex>. */
  public static final String IQN =
      "^(iqn\\.[0-9]{4}-(0[1-9]|1[0-2])\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*"
          + "(:[A-Za-z0-9._:-]+)?|eui\\.[0-9A-Fa-f]{16}|naa\\.[0-9A-Fa-f]{16}([0-9A-Fa-f]{16})?)$";
  public static final String IQN_RULE =
      "an iSCSI name: iqn.YYYY-MM.<reversed domain>[:<suffix of letters, digits, . _ : ->], eui.<16 hex digits> or"
          + " naa.<16 or 32 hex digits>";
  public static final int IQN_MAX_LENGTH = 223;

  private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
  private static final String IPV4 = OCTET + "(\\." + OCTET + "){3}";
  private static final String IPV6 = "\\[[0-9A-Fa-f:.]{2,45}\\]";
  // The last label must start with a letter, so that a mistyped IPv4 address (192.168.0.300) is no host name.
  private static final String HOSTNAME =
      "([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
  private static final String PORT =
      "([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";

  /** host:port with an IPv4 address, a bracketed IPv6 address or a DNS name, and a port 1-65535. */
  public static final String PORTAL = "^(" + IPV4 + "|" + IPV6 + "|" + HOSTNAME + "):" + PORT + "$";
  public static final String PORTAL_RULE =
      "host:port, where host is an IPv4 address, [IPv6] or a DNS name and port is 1-65535 (e.g. 192.168.0.180:3260)";

  /**
   * A Linux network interface name as the kernel accepts it (dev_valid_name: at most 15 bytes, no '/', ':' or
   * whitespace), narrowed to the characters interface names use in practice, so that it is safe on a command line,
   * in a file name and in the volume context's comma- and '='-separated encoding.
   */
  public static final String INTERFACE_NAME = "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$";
  public static final String INTERFACE_NAME_RULE =
      "a network interface name: 1-15 characters, letters, digits, '_', '.', '-', starting with a letter, digit or"
          + " '_' (no '/', ':' or whitespace), e.g. eth1 or enp3s0f1";

  /** Name of a device-mapper multipath map (/dev/mapper/&lt;alias&gt;). */
  public static final String ALIAS = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$";
  public static final String ALIAS_RULE =
      "1-63 characters: letters, digits, '_', '.', '-', starting with a letter or digit";

  /** WWID as scsi_id --whitelisted prints it for an iSCSI LUN. */
  public static final String WWID = "^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$";
  public static final String WWID_RULE = "1-128 characters: letters, digits, '_', '.', ':', '-'";

  /** OCFS2 volume label (mkfs.ocfs2 -L). */
  public static final String LABEL = "^[A-Za-z0-9][A-Za-z0-9_.-]{0,15}$";
  public static final String LABEL_RULE =
      "1-16 characters: letters, digits, '_', '.', '-', starting with a letter or digit";

  /** o2cb cluster name: OCFS2 keeps at most 16 bytes of it in the superblock and in DLM domain names. */
  public static final String CLUSTER_NAME = "^[A-Za-z0-9][A-Za-z0-9_]{0,15}$";
  public static final String CLUSTER_NAME_RULE =
      "1-16 characters: letters, digits and '_', starting with a letter or digit (o2cb cluster name)";

  /** o2cb node name: the host name of a member, at most 64 bytes in o2cb's configfs. */
  public static final String NODE_NAME = "^[A-Za-z0-9]([A-Za-z0-9.-]{0,62}[A-Za-z0-9])?$";
  public static final String NODE_NAME_RULE =
      "1-64 characters: letters, digits, '.', '-', starting and ending with a letter or digit";

  /** IPv4 address (o2cb speaks IPv4 only). */
  public static final String IPV4_ADDRESS = "^" + IPV4 + "$";
  public static final String IPV4_ADDRESS_RULE = "an IPv4 address (o2cb supports IPv4 only)";

  /** IPv4 CIDR, e.g. 10.10.1.0/24. */
  public static final String IPV4_CIDR = "^" + IPV4 + "/([0-9]|[12][0-9]|3[0-2])$";
  public static final String IPV4_CIDR_RULE = "an IPv4 network in CIDR notation, e.g. 10.10.1.0/24";

  /** One mount option, without commas: name or name=value. */
  public static final String MOUNT_OPTION = "^[a-z][a-z0-9_]*(=[A-Za-z0-9_.:/-]+)?$";
  public static final String MOUNT_OPTION_RULE =
      "one option, name or name=value, lowercase name, no commas or spaces (e.g. noatime, acl)";

  /** multipath failback: immediate, manual, followover or a number of seconds. */
  public static final String FAILBACK = "^(immediate|manual|followover|[1-9][0-9]{0,4})$";
  public static final String FAILBACK_RULE = "immediate, manual, followover or a number of seconds (1-99999)";

  /** multipath no_path_retry: a number of checker intervals, queue or fail. */
  public static final String NO_PATH_RETRY = "^(queue|fail|[1-9][0-9]{0,3})$";
  public static final String NO_PATH_RETRY_RULE = "a number of checker intervals (1-9999), queue or fail";

  /** A positive Kubernetes quantity in bytes with an optional binary or decimal suffix, e.g. 20Gi. */
  public static final String CAPACITY = "^[1-9][0-9]{0,17}(\\.[0-9]{1,9})?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$";
  public static final String CAPACITY_RULE = "a positive quantity such as 20Gi, 500M or 1Ti";

  /** Kubernetes DNS-1123 label (namespaces). */
  public static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";
  public static final String DNS_LABEL_RULE =
      "a DNS-1123 label: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit";

  /** Kubernetes DNS-1123 subdomain (most object names). */
  public static final String DNS_SUBDOMAIN =
      "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
  public static final int DNS_SUBDOMAIN_MAX_LENGTH = 253;
  public static final String DNS_SUBDOMAIN_RULE =
      "a DNS-1123 subdomain: at most 253 lowercase letters, digits, '-' or '.', starting and ending with a letter or"
          + " digit";

  /** The largest value a proto uint32 field carries. */
  public static final long UINT32_MAX = 0xFFFF_FFFFL;

  /**
   * A proto uint32 field as the number its sender meant. Java reads uint32 into an int, so 2^31 and above arrive
   * negative and slip under any upper bound that compares the int itself.
   */
  public static long uint32(int raw) {
    return Integer.toUnsignedLong(raw);
  }

  /**
   * The problem with a uint32 field outside [min, max], e.g. "target.lun: must be between 0 and 16383, got
   * 4294967295" (the value as the sender meant it); empty when it is within.
   */
  public static Optional<String> uint32OutOfRange(String field, int raw, long min, long max) {
    long value = uint32(raw);
    if (value >= min && value <= max) {
      return Optional.empty();
    }
    return Optional.of(field + ": must be between " + min + " and " + max + ", got " + value);
  }

  private static final Map<String, Pattern> COMPILED = new ConcurrentHashMap<>();

  /** True when {@code value} is non-null and matches one of the pattern constants above. */
  public static boolean matches(String patternConstant, String value) {
    return value != null && COMPILED.computeIfAbsent(patternConstant, Pattern::compile).matcher(value).matches();
  }
}
