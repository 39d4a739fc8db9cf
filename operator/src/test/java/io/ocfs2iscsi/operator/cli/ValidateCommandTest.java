package io.ocfs2iscsi.operator.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.ProjectFiles;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ValidateCommandTest {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final ValidateCommand command =
      new ValidateCommand(
          new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));

  @Test
  void theExamplesPassWithExitZero() {
    List<String> files = ProjectFiles.examples().stream().map(Path::toString).toList();

    assertThat(command.run(files)).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).isEmpty();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("2 resources checked, 0 problems");
  }

  @Test
  void aMultiDocumentFilePrintsOneLinePerProblemAndExitsOne(@TempDir Path dir) throws Exception {
    Path root = ProjectFiles.root().resolve("operator/src/test/resources/invalid");
    Path file = dir.resolve("two.yaml");
    Files.writeString(
        file,
        Files.readString(root.resolve("portal-bad-octet.yaml"))
            + "\n---\n"
            + Files.readString(root.resolve("label-too-long.yaml")));

    assertThat(command.run(List.of(file.toString()))).isEqualTo(1);
    assertThat(out.toString(StandardCharsets.UTF_8).lines().toList())
        .containsExactly(
            file + ": IscsiSharedVolume/portal-bad-octet: spec.target.portals[1]: must be host:port, where host is an"
                + " IPv4 address, [IPv6] or a DNS name and port is 1-65535 (e.g. 192.168.0.180:3260), got"
                + " '10.20.1.300:3260'",
            file + ": IscsiSharedVolume/label-too-long: spec.filesystem.label: must be 1-16 characters: letters,"
                + " digits, '_', '.', '-', starting with a letter or digit, got 'ISCSI_SHARED_DATA_1'");
  }

  @Test
  void anUnreadableFileExitsTwo(@TempDir Path dir) {
    assertThat(command.run(List.of(dir.resolve("missing.yaml").toString()))).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("missing.yaml: cannot read");
  }
}
