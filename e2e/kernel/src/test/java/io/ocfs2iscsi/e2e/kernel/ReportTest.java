package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportTest {

  @Test
  void sectionsAndKeysComeOutInTheOrderTheyWereRecorded() {
    Report r = new Report();
    r.put("zeta", "b", 1).put("alpha", "z", 2).put("zeta", "a", 3);

    assertThat(r.json()).isEqualTo("""
        {
          "zeta": {
            "b": 1,
            "a": 3
          },
          "alpha": {
            "z": 2
          }
        }
        """);
  }

  @Test
  void valuesKeepTheirJsonTypesAndNonFiniteNumbersBecomeNull() throws Exception {
    Report r = new Report();
    r.put("s", "seconds", Report.round(12.3456))
        .put("s", "count", 7L)
        .put("s", "passed", true)
        .put("s", "not_measured", Double.NaN)
        .put("s", "ratio", Double.POSITIVE_INFINITY)
        .put("s", "path", Path.of("/tmp/x"))
        .put("s", "text", "a \"quoted\"\nline")
        .put("s", "runs", List.of(1.5, 2.25))
        .put("s", "nothing", null);
    Map<String, Object> nested = new LinkedHashMap<>();
    nested.put("mount", 0.42);
    r.section("stage").putAll(Map.of("steps", nested));

    JsonNode s = new ObjectMapper().readTree(r.json()).get("s");
    assertThat(s.get("seconds").isDouble()).isTrue();
    assertThat(s.get("seconds").asDouble()).isEqualTo(12.35);
    assertThat(s.get("count").isIntegralNumber()).isTrue();
    assertThat(s.get("count").asLong()).isEqualTo(7);
    assertThat(s.get("passed").isBoolean()).isTrue();
    assertThat(s.get("not_measured").isNull()).isTrue();
    assertThat(s.get("ratio").isNull()).isTrue();
    assertThat(s.get("path").asText()).isEqualTo("/tmp/x");
    assertThat(s.get("text").asText()).isEqualTo("a \"quoted\"\nline");
    assertThat(s.get("runs").toString()).isEqualTo("[1.5,2.25]");
    assertThat(s.get("nothing").isNull()).isTrue();
    assertThat(r.json()).contains("\"runs\": [1.5, 2.25],").contains("\"nothing\": null\n")
        .contains("\"stage\": {\n    \"steps\": {\n      \"mount\": 0.42\n    }\n  }");
    assertThat(r.get("s", "count")).isEqualTo(7L);
  }

  @Test
  void anEmptyReportIsAnEmptyObject() {
    assertThat(new Report().json()).isEqualTo("{}\n");
  }

  @Test
  void writeReplacesTheFileWithTheWholeReport(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sub/report.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "old");
    Report r = new Report().put("demo", "passed", false);

    r.write(file);

    assertThat(Files.readString(file)).isEqualTo(r.json());
    assertThat(Files.list(file.getParent()).map(p -> p.getFileName().toString())).containsExactly("report.json");
  }
}
