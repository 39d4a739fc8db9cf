package io.ocfs2iscsi.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.ocfs2iscsi.operator.ProjectFiles;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class ExamplesTest {

  static Stream<Path> examples() {
    return ProjectFiles.examples().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleIsValid(Path example) throws Exception {
    List<ManifestValidator.Result> results = new ManifestValidator().validate(Files.readString(example));

    assertThat(results).allSatisfy(r -> assertThat(r.violations()).as(r.kind() + "/" + r.name()).isEmpty());
  }

  @Test
  void theExamplesAreTheReferenceSetup() throws Exception {
    Path dir = ProjectFiles.root().resolve("examples");
    Ocfs2Cluster cluster =
        Serialization.unmarshal(Files.readString(dir.resolve("01-ocfs2cluster.yaml")), Ocfs2Cluster.class);
    IscsiSharedVolume volume =
        Serialization.unmarshal(Files.readString(dir.resolve("02-iscsisharedvolume.yaml")), IscsiSharedVolume.class);

    assertThat(cluster.getSpec().getClusterName()).isEqualTo("iscsi");
    assertThat(cluster.getSpec().getPort()).isEqualTo(7777);
    assertThat(volume.getSpec().getTarget().getIqn()).isEqualTo("iqn.2016-02.local.virtual:virtual.vg1");
    assertThat(volume.getSpec().getTarget().getPortals()).containsExactly("192.168.0.180:3260", "10.20.1.180:3260");
    FilesystemSpec fs = volume.getSpec().getFilesystem();
    assertThat(fs.getClusterRef()).isEqualTo(cluster.getMetadata().getName());
    assertThat(fs.getLabel()).isEqualTo("ISCSI");
    assertThat(fs.getBlockSize()).isEqualTo(FilesystemSpec.BlockSize.K4);
    assertThat(fs.getClusterSize()).isEqualTo(FilesystemSpec.ClusterSize.K32);
    assertThat(fs.getNodeSlots()).isEqualTo(4);
    assertThat(volume.effectiveAlias()).isEqualTo("mylun");
  }
}
