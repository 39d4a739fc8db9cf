package io.ocfs2iscsi.node.tools;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parsers of the failover timeouts as the kernel and multipathd apply them, which need not be the ones the node
 * records and the drop-in ask for: iscsid hands the record's values to the kernel only at login, and multipathd
 * writes its own fast_io_fail_tmo into every iSCSI path's session as recovery_tmo.
 *
 * <p>Sources: per session {@code /sys/class/iscsi_session/sessionN/recovery_tmo} (replacement_timeout, or
 * multipathd's fast_io_fail_tmo), per connection {@code /sys/class/iscsi_connection/connectionN:0/recv_tmo}
 * (noop_out_interval) and {@code ping_tmo} (noop_out_timeout); per map the queueing column of
 * {@code multipathd show maps format %n|%Q}: "N chk" (a count, paths present), "N sec" (queueing, N s left, no path),
 * "on" (queue), "off" (fail, or the count ran out), "-" (unset).
 */
public final class EffectiveTimeouts {

  /** A session's timeouts in seconds; 0 where sysfs did not say. */
  public record Session(int recoveryTimeout, int noopOutInterval, int noopOutTimeout) {}

  /** The map's no_path_retry as the node agent reports it: a count, "queue", "fail", or "" when not known. */
  public static final String UNKNOWN = "";

  private static final Pattern SECONDS = Pattern.compile("^\\d{1,9}$");
  private static final Pattern COUNT = Pattern.compile("^(\\d{1,9}) chk$");

  private EffectiveTimeouts() {}

  /** A sysfs timeout attribute in seconds; empty for anything but a whole number (e.g. -1: not set). */
  public static Optional<Integer> seconds(String attribute) {
    String s = attribute.strip();
    return SECONDS.matcher(s).matches() ? Optional.of(Integer.parseInt(s)) : Optional.empty();
  }

  /** The queueing column of {@code alias} in the output of {@code multipathd show maps format %n|%Q}. */
  public static Optional<String> queueingColumn(String out, String alias) {
    for (String line : out.lines().toList()) {
      int bar = line.indexOf('|');
      if (bar > 0 && line.substring(0, bar).strip().equals(alias)) {
        return Optional.of(line.substring(bar + 1).strip());
      }
    }
    return Optional.empty();
  }

  /**
   * The configured no_path_retry that multipathd's queueing column shows: a count while paths are present, "queue"
   * for "on", "fail" for "off" while paths are present. While no path is left ("N sec", or "off" after the count ran
   * out) the count is not shown: unknown.
   */
  public static String noPathRetry(String column, boolean pathsPresent) {
    Matcher m = COUNT.matcher(column);
    if (m.matches()) {
      return Integer.toString(Integer.parseInt(m.group(1)));
    }
    if (column.equals("on")) {
      return "queue";
    }
    if (column.equals("off") && pathsPresent) {
      return "fail";
    }
    return UNKNOWN;
  }
}
