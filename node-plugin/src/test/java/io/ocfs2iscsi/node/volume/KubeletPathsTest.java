package io.ocfs2iscsi.node.volume;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A kubelet with another --root-dir: the plugin follows --kubelet-dir, not the default. */
class KubeletPathsTest {

  @TempDir Path root;

  KubeletPaths paths() {
    return new KubeletPaths("/data/kubelet/", new HostFiles(root));
  }

  @Test
  void pathsBelowTheConfiguredDirPass() {
    assertThatCode(() -> paths().require("target_path", "/data/kubelet/pods/p1/volumes/kubernetes.io~csi/v/mount"))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "/var/lib/kubelet/pods/p1/mount", "/data/kubelet", "/data/kubelet/", "/data/kubeletx/pods/p1",
      "/data/kubelet/pods/../../etc", "/data/kubelet/pods/./p1", "/data/kubelet//pods", "data/kubelet/pods"})
  void otherPathsAreInvalidArguments(String path) {
    assertThatThrownBy(() -> paths().require("target_path", path))
        .isInstanceOfSatisfying(NodeException.class,
            e -> org.assertj.core.api.Assertions.assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT))
        .hasMessageStartingWith("target_path ");
  }

  @Test
  void aSymbolicLinkAsTheLastComponentIsRefusedToo() throws Exception {
    Files.createDirectories(root.resolve("data/kubelet/pods/p1"));
    Files.createDirectories(root.resolve("etc"));
    Files.createSymbolicLink(root.resolve("data/kubelet/pods/p1/mount"), root.resolve("etc"));

    assertThatThrownBy(() -> paths().require("target_path", "/data/kubelet/pods/p1/mount"))
        .hasMessageContaining("symbolic link");
  }
}
