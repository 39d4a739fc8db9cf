package io.ocfs2iscsi.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers of a real-kernel run (e2e/target/e2e-report.json): nested sections of measured values, written as
 * JSON in the order they were recorded. Only measured values go in; a section that did not run is absent.
 */
public final class Report {

  private static final Report SHARED = new Report();

  private final Map<String, Object> root = new LinkedHashMap<>();

  /**
   * The report of this test JVM: every real-kernel test class adds its own sections to it and writes the whole file
   * at its end, so that one class does not overwrite the numbers of another.
   */
  public static Report shared() {
    return SHARED;
  }

  /** The section {@code name} (created on first use). */
  @SuppressWarnings("unchecked")
  public synchronized Map<String, Object> section(String name) {
    return (Map<String, Object>) root.computeIfAbsent(name, k -> new LinkedHashMap<String, Object>());
  }

  public synchronized Report put(String section, String key, Object value) {
    section(section).put(key, value);
    return this;
  }

  public synchronized Object get(String section, String key) {
    Object s = root.get(section);
    return s instanceof Map<?, ?> m ? m.get(key) : null;
  }

  public static Path defaultPath() {
    return TestBed.repoRoot().resolve("e2e/target/e2e-report.json");
  }

  public synchronized String json() {
    StringBuilder sb = new StringBuilder();
    write(sb, root, "");
    return sb.append('\n').toString();
  }

  public synchronized Path write(Path file) {
    try {
      Files.createDirectories(file.getParent());
      Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
      Files.writeString(tmp, json(), StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Rounds to 2 decimals (seconds, MB/s, ratios). */
  public static double round(double v) {
    return Math.round(v * 100.0) / 100.0;
  }

  private static void write(StringBuilder sb, Object v, String indent) {
    if (v instanceof Map<?, ?> m) {
      if (m.isEmpty()) {
        sb.append("{}");
        return;
      }
      sb.append("{\n");
      int i = 0;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        sb.append(indent).append("  ");
        string(sb, String.valueOf(e.getKey()));
        sb.append(": ");
        write(sb, e.getValue(), indent + "  ");
        sb.append(++i < m.size() ? ",\n" : "\n");
      }
      sb.append(indent).append('}');
    } else if (v instanceof List<?> l) {
      sb.append('[');
      for (int i = 0; i < l.size(); i++) {
        if (i > 0) {
          sb.append(", ");
        }
        write(sb, l.get(i), indent);
      }
      sb.append(']');
    } else if (v instanceof Number || v instanceof Boolean) {
      if (v instanceof Double d && (d.isNaN() || d.isInfinite())) {
        sb.append("null");
      } else {
        sb.append(v);
      }
    } else if (v == null) {
      sb.append("null");
    } else {
      string(sb, v.toString());
    }
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }
}
