package io.ocfs2iscsi.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.ProjectFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class InvalidManifestsTest {

  static Stream<Path> invalidManifests() {
    return ProjectFiles.invalidManifests().stream();
  }

  @Test
  void thereAreAtLeastThirtyBadManifests() {
    assertThat(ProjectFiles.invalidManifests()).hasSizeGreaterThanOrEqualTo(30);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidManifests")
  void isRefusedWithAMessageNamingTheField(Path manifest) throws Exception {
    List<ManifestValidator.Result> results = new ManifestValidator().validate(Files.readString(manifest));

    assertThat(results).hasSize(1);
    List<Violation> violations = results.get(0).violations();
    String field = ProjectFiles.expectedField(manifest);
    assertThat(violations)
        .as("violations of %s", manifest.getFileName())
        .isNotEmpty()
        .anySatisfy(v -> assertThat(v.field() + ": " + v.message()).contains(field));
    assertThat(violations).allSatisfy(v -> assertThat(v.message()).isNotBlank());
  }
}
