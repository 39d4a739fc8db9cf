package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.utils.Serialization;
import io.ocfs2iscsi.operator.ProjectFiles;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.validation.ManifestValidator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The reference examples (examples/*.yaml), checked valid and read as typed resources; golden files. */
public final class ExampleResources {

  private ExampleResources() {}

  public static Ocfs2Cluster cluster() {
    return read("01-ocfs2cluster.yaml", Ocfs2Cluster.class);
  }

  /** examples/02-iscsisharedvolume.yaml, with the uid the API server would have given it. */
  public static IscsiSharedVolume volume() {
    IscsiSharedVolume v = read("02-iscsisharedvolume.yaml", IscsiSharedVolume.class);
    v.getMetadata().setUid("0b0c4d1e-5f6a-4b7c-8d9e-0f1a2b3c4d5e");
    return v;
  }

  static <T> T read(String example, Class<T> type) {
    Path file = ProjectFiles.root().resolve("examples").resolve(example);
    try {
      String yaml = Files.readString(file);
      assertThat(new ManifestValidator().validate(yaml))
          .as(example + " must be valid before tests derive anything from it")
          .allSatisfy(r -> assertThat(r.violations()).isEmpty());
      return Serialization.unmarshal(yaml, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A hand-written expected file from src/test/resources/golden/. */
  public static String golden(String name) {
    try (InputStream in = ExampleResources.class.getResourceAsStream("/golden/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no golden file /golden/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
