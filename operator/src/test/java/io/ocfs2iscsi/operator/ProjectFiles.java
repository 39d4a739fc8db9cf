package io.ocfs2iscsi.operator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Files of the checkout that tests read: examples/, crds/, the invalid manifests. */
public final class ProjectFiles {

  private ProjectFiles() {}

  public static Path root() {
    String root = System.getProperty("project.root");
    Path p = root != null ? Path.of(root) : Path.of("..");
    return p.toAbsolutePath().normalize();
  }

  public static List<Path> yamlFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static List<Path> examples() {
    return yamlFiles(root().resolve("examples"));
  }

  public static List<Path> invalidManifests() {
    return yamlFiles(root().resolve("operator/src/test/resources/invalid"));
  }

  /** The field a bad manifest's refusal must name, from its "# expect-field:" header. */
  public static String expectedField(Path manifest) {
    try {
      return Files.readAllLines(manifest).stream()
          .filter(l -> l.startsWith("# expect-field:"))
          .map(l -> l.substring("# expect-field:".length()).trim())
          .findFirst()
          .orElseThrow(() -> new IllegalStateException(manifest + " has no '# expect-field:' header"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
