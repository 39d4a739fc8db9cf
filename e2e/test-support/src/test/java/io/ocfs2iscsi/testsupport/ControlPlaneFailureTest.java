package io.ocfs2iscsi.testsupport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** When the control plane cannot be built, tests fail with the reason and the fix (they never skip). */
class ControlPlaneFailureTest {

  @Test
  void aMissingBuildScriptNamesTheProjectRoot(@TempDir Path root) {
    assertThatThrownBy(() -> ControlPlane.start(root, root.resolve("work")))
        .isInstanceOf(ControlPlaneUnavailableException.class)
        .hasMessageContaining("e2e/control-plane/build is missing")
        .hasMessageContaining("project.root");
  }

  @Test
  void aFailedBuildShowsItsOutputAndTheFix(@TempDir Path root) throws Exception {
    Path build = root.resolve("e2e/control-plane/build");
    Files.createDirectories(build.getParent());
    Files.writeString(build, "#!/usr/bin/env bash\necho 'Go is not installed' >&2\nexit 127\n");
    Files.setPosixFilePermissions(build, PosixFilePermissions.fromString("rwxr-xr-x"));

    assertThatThrownBy(() -> ControlPlane.start(root, root.resolve("work")))
        .isInstanceOf(ControlPlaneUnavailableException.class)
        .hasMessageContaining("failed (exit 127)")
        .hasMessageContaining("Go is not installed")
        .hasMessageContaining("Fix: run " + build);
  }
}
