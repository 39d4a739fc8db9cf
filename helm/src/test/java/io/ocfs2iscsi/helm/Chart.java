package io.ocfs2iscsi.helm;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** The chart in helm/iscsi-ocfs2-operator, rendered with the embedded Helm, parsed as Kubernetes objects. */
final class Chart {

  static final String RELEASE = "ocfs2iscsi";
  static final String NAMESPACE = "storage-system";
  static final String KUBE_VERSION = "v1.31.0";

  private Chart() {}

  static Path root() {
    String root = System.getProperty("project.root");
    return (root != null ? Path.of(root) : Path.of("..")).toAbsolutePath().normalize();
  }

  static Path dir() {
    return root().resolve("helm/iscsi-ocfs2-operator");
  }

  /** `helm template` with a values file (or the defaults): hooks included, CRDs left out. */
  static String template(Path valuesFile) {
    var template =
        new Helm(dir())
            .template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .skipCrds();
    if (valuesFile != null) {
      template = template.withValuesFile(valuesFile);
    }
    return template.call();
  }

  /** Every document of a rendered chart, each parsed by fabric8 (typed where fabric8 knows the kind). */
  static List<HasMetadata> objects(String rendered) {
    List<HasMetadata> out = new ArrayList<>();
    for (String doc : rendered.split("(?m)^---\\s*$")) {
      if (doc.lines().allMatch(l -> l.isBlank() || l.startsWith("#"))) {
        continue;
      }
      out.add(Serialization.unmarshal(doc, HasMetadata.class));
    }
    return out;
  }

  static <T extends HasMetadata> T one(List<HasMetadata> objects, Class<T> type) {
    List<T> found = all(objects, type);
    if (found.size() != 1) {
      throw new AssertionError("expected one " + type.getSimpleName() + ", found " + found.size());
    }
    return found.get(0);
  }

  static <T extends HasMetadata> List<T> all(List<HasMetadata> objects, Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast).toList();
  }

  static Optional<GenericKubernetesResource> generic(List<HasMetadata> objects, String kind) {
    return objects.stream()
        .filter(o -> o instanceof GenericKubernetesResource && kind.equals(o.getKind()))
        .map(GenericKubernetesResource.class::cast)
        .findFirst();
  }
}
