package io.ocfs2iscsi.node.tools;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The o2cb stack's state as {@code service o2cb status} (the init script) reports it, or as the plugin reads the
 * same facts from configfs. -1 marks a timeout that was not shown.
 */
public record O2cbStatus(
    boolean configfsMounted,
    boolean dlmfsMounted,
    String cluster,
    boolean online,
    int deadThreshold,
    int idleTimeoutMs,
    int keepaliveDelayMs,
    int reconnectDelayMs,
    boolean heartbeatActive) {

  private static final Pattern ONLINE = Pattern.compile("Checking O2CB cluster \"?([^\":]+?)\"?: (\\w+)");
  private static final Pattern DEAD = Pattern.compile("Heartbeat dead threshold(?: =|:) (\\d+)");
  private static final Pattern IDLE = Pattern.compile("Network idle timeout: (\\d+)");
  private static final Pattern KEEPALIVE = Pattern.compile("Network keepalive delay: (\\d+)");
  private static final Pattern RECONNECT = Pattern.compile("Network reconnect delay: (\\d+)");
  private static final Pattern HEARTBEAT = Pattern.compile("Checking O2CB heartbeat: (\\w+)");

  /** Parses the output of {@code service o2cb status} (/etc/init.d/o2cb status). */
  public static O2cbStatus parseServiceStatus(String out) {
    String cluster = "";
    boolean online = false;
    Matcher m = ONLINE.matcher(out);
    if (m.find()) {
      cluster = m.group(1).strip();
      online = m.group(2).equalsIgnoreCase("Online");
    }
    Matcher hb = HEARTBEAT.matcher(out);
    return new O2cbStatus(
        out.contains("Filesystem \"configfs\": Mounted"),
        out.contains("Filesystem \"ocfs2_dlmfs\": Mounted"),
        cluster,
        online,
        number(DEAD, out),
        number(IDLE, out),
        number(KEEPALIVE, out),
        number(RECONNECT, out),
        hb.find() && hb.group(1).equalsIgnoreCase("Active"));
  }

  private static int number(Pattern p, String out) {
    Matcher m = p.matcher(out);
    return m.find() ? Integer.parseInt(m.group(1)) : -1;
  }
}
