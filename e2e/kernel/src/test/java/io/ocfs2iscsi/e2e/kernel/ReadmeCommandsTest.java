package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReadmeCommandsTest {

  @Test
  void commandsOfABlockAreSplitExpandedAndFreedOfComments(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("examples"));
    Files.writeString(dir.resolve("examples/02-b.yaml"), "");
    Files.writeString(dir.resolve("examples/01-a.yaml"), "");
    Files.writeString(dir.resolve("README.md"), """
        # x
        ### Step by step

        ```
        # 1. a comment
        apt-get install -y open-iscsi
        kubectl label node <node> a=b
        helm install r chart --namespace ns   # with a comment
        java -jar operator.jar validate examples/*.yaml
        kubectl delete pvc c && kubectl delete isv v
        ```
        """);
    ReadmeCommands r = new ReadmeCommands(dir);
    assertThat(r.under("Step by step", "kubectl")).containsExactly(
        List.of("kubectl", "label", "node", "<node>", "a=b"),
        List.of("kubectl", "delete", "pvc", "c"),
        List.of("kubectl", "delete", "isv", "v"));
    assertThat(r.the("Step by step", "helm", "install")).containsExactly("helm", "install", "r", "chart",
        "--namespace", "ns");
    assertThat(r.the("Step by step", "java")).containsExactly("java", "-jar", "operator.jar", "validate",
        "examples/01-a.yaml", "examples/02-b.yaml");
    assertThat(ReadmeCommands.with(r.the("Step by step", "kubectl", "label"), "node", "node1"))
        .containsExactly("kubectl", "label", "node", "node1", "a=b");
    assertThatThrownBy(() -> r.the("Step by step", "kubectl", "delete")).hasMessageContaining("expected one");
    assertThatThrownBy(() -> r.under("Nope")).hasMessageContaining("no heading 'Nope'");
  }

  @Test
  void theProjectReadmeHasTheCommandsTheClusterTestTypes() {
    ReadmeCommands r = new ReadmeCommands(TestBed.repoRoot());
    assertThat(r.the(UserPath.INSTALL, "helm", "install")).contains("helm/iscsi-ocfs2-operator");
    assertThat(r.the(UserPath.INSTALL, "kubectl", "label", "node")).contains("<node>");
    assertThat(r.the(UserPath.INSTALL, "kubectl", "apply")).containsExactly("kubectl", "apply", "-f", "examples/");
    assertThat(r.the(UserPath.UNINSTALL, "kubectl", "delete", "-f")).contains("examples/03-writers.yaml");
    assertThat(r.the(UserPath.UNINSTALL, "helm", "uninstall")).contains("ocfs2iscsi");
  }
}
