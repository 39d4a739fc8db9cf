package io.ocfs2iscsi.e2e.kernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the per-command wall times the node plugin logs at DEBUG (the test bed starts it with LOG_LEVEL=DEBUG),
 * e.g. {@code ProcessCommandRunner: iscsiadm -m session -> 0 in 38 ms} or {@code ... -> exit 21 in 35 ms: ...}.
 */
public final class CommandLog {

  private static final Pattern LINE =
      Pattern.compile("ProcessCommandRunner: (\\S+)(?: .*)? -> (?:0|exit -?\\d+) in (\\d+) ms");

  private CommandLog() {}

  /** Milliseconds spent in commands, summed per program, in the order first seen. */
  public static Map<String, Long> millisPerProgram(String log) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String line : log.split("\n")) {
      Matcher m = LINE.matcher(line);
      if (m.find()) {
        String program = m.group(1).substring(m.group(1).lastIndexOf('/') + 1);
        out.merge(program, Long.parseLong(m.group(2)), Long::sum);
      }
    }
    return out;
  }

  /** How many commands the log shows. */
  public static int count(String log) {
    return (int) log.lines().filter(l -> LINE.matcher(l).find()).count();
  }

  public static long totalMillis(String log) {
    return millisPerProgram(log).values().stream().mapToLong(Long::longValue).sum();
  }
}
