package io.ocfs2iscsi.e2e.kernel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the step timings the node plugin logs at the end of a NodeStageVolume, e.g.
 * {@code stage steps of mylun: iscsi_login=1.23s wwid=0.40s multipath=5.10s o2cb=0.05s mount=9.90s total=16.68s}.
 */
public final class StageLog {

  private static final Pattern LINE = Pattern.compile("stage steps of (\\S+): (.*)$");
  private static final Pattern STEP = Pattern.compile("(\\w+)=([0-9.]+)s");

  private StageLog() {}

  /** The steps of the last stage in {@code log}, keys prefixed; empty when the log has none. */
  public static Map<String, Object> steps(Path log, String prefix) {
    Map<String, Object> out = new LinkedHashMap<>();
    String last = null;
    try {
      if (!Files.exists(log)) {
        return out;
      }
      for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
        Matcher m = LINE.matcher(line);
        if (m.find()) {
          last = m.group(2);
        }
      }
    } catch (IOException e) {
      return out;
    }
    if (last != null) {
      Matcher s = STEP.matcher(last);
      while (s.find()) {
        out.put(prefix + s.group(1), Double.parseDouble(s.group(2)));
      }
    }
    return out;
  }
}
