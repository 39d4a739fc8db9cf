package io.ocfs2iscsi.e2e.kernel;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
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

  /** Two spaces per level, {@code "key": value}, arrays on one line: {@code [1, 2]}. */
  private static final ObjectWriter JSON = new ObjectMapper().writer(new DefaultPrettyPrinter()
      .withSeparators(Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER)
          .withArrayValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("").withArrayEmptySeparator(""))
      .withObjectIndenter(new DefaultIndenter("  ", "\n"))
      .withArrayIndenter(new DefaultPrettyPrinter.NopIndenter()));

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
    try {
      return JSON.writeValueAsString(node(root)) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the report as JSON", e);
    }
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

  /**
   * The report as a JSON tree: maps become objects in their insertion order, lists arrays, numbers and booleans
   * stay what they are (NaN and infinite as null, which JSON lacks), anything else becomes its text.
   */
  private static JsonNode node(Object v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (v instanceof Map<?, ?> m) {
      ObjectNode o = f.objectNode();
      m.forEach((key, value) -> o.set(String.valueOf(key), node(value)));
      return o;
    } else if (v instanceof List<?> l) {
      ArrayNode a = f.arrayNode();
      l.forEach(e -> a.add(node(e)));
      return a;
    } else if (v instanceof Double d) {
      return d.isNaN() || d.isInfinite() ? f.nullNode() : f.numberNode(d);
    } else if (v instanceof Float x) {
      return x.isNaN() || x.isInfinite() ? f.nullNode() : f.numberNode(x);
    } else if (v instanceof BigDecimal d) {
      return f.numberNode(d);
    } else if (v instanceof BigInteger i) {
      return f.numberNode(i);
    } else if (v instanceof Number n) {
      return f.numberNode(n.longValue());
    } else if (v instanceof Boolean b) {
      return f.booleanNode(b);
    } else if (v == null) {
      return f.nullNode();
    }
    return f.textNode(v.toString());
  }
}
