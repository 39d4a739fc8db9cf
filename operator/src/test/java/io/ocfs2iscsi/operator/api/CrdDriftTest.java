package io.ocfs2iscsi.operator.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.ProjectFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed CRDs in crds/ are exactly what the Java model generates. */
class CrdDriftTest {

  private static final String FIX =
      "crds/ is out of date with the Java model: run `mvn -pl proto,operator -am process-classes -Pupdate-crds`"
          + " and commit crds/";

  @Test
  void committedCrdsEqualAFreshGeneration() throws Exception {
    Path generated = Path.of("target/classes/META-INF/fabric8");
    Path committed = ProjectFiles.root().resolve("crds");
    List<String> names = List.of("iscsisharedvolumes.ocfs2iscsi.io-v1.yml", "ocfs2clusters.ocfs2iscsi.io-v1.yml");

    for (String name : names) {
      assertThat(committed.resolve(name)).as(FIX).exists();
      assertThat(Files.readString(committed.resolve(name)))
          .as(FIX + " (" + name + ")")
          .isEqualTo(Files.readString(generated.resolve(name)));
    }
    try (var listing = Files.list(committed)) {
      assertThat(listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yml")))
          .as("crds/ holds only generated CRDs")
          .containsExactlyInAnyOrderElementsOf(names);
    }
  }
}
