package io.ocfs2iscsi.operator;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The CRDs committed in crds/, as users install them; and installing them on a real API server. */
public final class CommittedCrds {

  private CommittedCrds() {}

  public static List<Path> files() {
    return ProjectFiles.yamlFiles(ProjectFiles.root().resolve("crds"));
  }

  public static List<CustomResourceDefinition> all() {
    return files().stream().map(f -> {
      try {
        return Serialization.unmarshal(Files.readString(f), CustomResourceDefinition.class);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).toList();
  }

  /** Server-side applies every committed CRD and waits until each is Established. */
  public static void install(KubernetesClient client, String fieldManager) {
    List<CustomResourceDefinition> crds = all();
    for (CustomResourceDefinition crd : crds) {
      client.apiextensions().v1().customResourceDefinitions().resource(crd)
          .fieldManager(fieldManager).forceConflicts().serverSideApply();
    }
    for (CustomResourceDefinition crd : crds) {
      client.apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName())
          .waitUntilCondition(c -> established(c), 60, TimeUnit.SECONDS);
    }
  }

  public static boolean condition(CustomResourceDefinition crd, String type) {
    return crd != null && crd.getStatus() != null && crd.getStatus().getConditions() != null
        && crd.getStatus().getConditions().stream()
            .anyMatch(c -> type.equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static boolean established(CustomResourceDefinition crd) {
    return condition(crd, "Established");
  }
}
