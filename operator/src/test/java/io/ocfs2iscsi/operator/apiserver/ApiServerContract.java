package io.ocfs2iscsi.operator.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionCondition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.FieldValidateable;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.ocfs2iscsi.operator.CommittedCrds;
import io.ocfs2iscsi.operator.ProjectFiles;
import io.ocfs2iscsi.operator.validation.ManifestValidator;
import io.ocfs2iscsi.operator.validation.Violation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a real API server does with this project's API: the committed CRDs ({@code crds/}) are accepted and become
 * Established, the examples are accepted, every bad manifest is refused naming its field (and the offline validator
 * refuses the same set), printer columns come back as declared, status is a subresource.
 *
 * <p>Shared by the local control plane ({@link LocalControlPlaneApiServerTest}) and k3s in a container
 * ({@link K3sApiServerTest}); a subclass only says which server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ApiServerContract {

  /**
   * Bad manifests that only the offline validator refuses (file name to the reason the CRD schema cannot express the
   * rule). Each listed one must be accepted by the server: when the schema learns the rule, the test fails until the
   * entry goes. Empty today: every rule of the bad manifests is both in the schema (OpenAPI or CEL) and in the
   * validator, and the real API server refuses all of them naming the field.
   */
  static final Map<String, String> ONLY_THE_VALIDATOR_REFUSES = Map.of();

  /** Bad manifests that only the API server refuses, with the reason; the same rule as above the other way. */
  static final Map<String, String> ONLY_THE_SERVER_REFUSES = Map.of();

  static final String GROUP = "ocfs2iscsi.io";
  static final String API_VERSION = GROUP + "/v1alpha1";
  static final String TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger NAMES = new AtomicInteger();

  /** The client of the server under test, with rights to create CRDs. */
  protected abstract KubernetesClient client();

  /** A name for a cluster-scoped object that no other test of this JVM uses. */
  protected String uniqueName(String base) {
    return base + "-" + ProcessHandle.current().pid() % 100000 + "-" + NAMES.incrementAndGet();
  }

  // ---------------------------------------------------------------------------------------------- CRDs

  static List<Path> crdFiles() {
    return CommittedCrds.files();
  }

  static List<CustomResourceDefinition> crds() {
    return CommittedCrds.all();
  }

  @BeforeAll
  void installTheCommittedCrds() {
    CommittedCrds.install(client(), "api-server-contract-test");
  }

  @Test
  void theCommittedCrdsAreAcceptedAndEstablished() {
    assertThat(crdFiles()).as("files in crds/").hasSizeGreaterThanOrEqualTo(2);
    for (CustomResourceDefinition crd : crds()) {
      CustomResourceDefinition onServer =
          client().apiextensions().v1().customResourceDefinitions().withName(crd.getMetadata().getName()).get();
      assertThat(onServer).as(crd.getMetadata().getName()).isNotNull();
      assertThat(condition(onServer, "NamesAccepted")).as("%s NamesAccepted", crd.getMetadata().getName()).isTrue();
      assertThat(condition(onServer, "Established")).as("%s Established", crd.getMetadata().getName()).isTrue();
      assertThat(onServer.getStatus().getAcceptedNames().getShortNames())
          .containsExactlyInAnyOrderElementsOf(Optional.ofNullable(crd.getSpec().getNames().getShortNames())
              .orElse(List.of()));
    }
  }

  private static boolean condition(CustomResourceDefinition crd, String type) {
    return CommittedCrds.condition(crd, type);
  }

  // ---------------------------------------------------------------------------------------------- examples

  static Stream<Path> examples() {
    return ProjectFiles.examples().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleIsAcceptedByTheServer(Path example) {
    List<GenericKubernetesResource> docs = documents(read(example));
    assertThat(docs).as(example.toString()).isNotEmpty();
    for (GenericKubernetesResource doc : docs) {
      Optional<String> refusal = serverRefusal(doc);
      assertThat(refusal).as("%s: %s/%s refused by the API server", example.getFileName(), doc.getKind(),
          doc.getMetadata().getName()).isEmpty();
    }
  }

  // ---------------------------------------------------------------------------------------------- bad manifests

  static Stream<Path> badManifests() {
    return ProjectFiles.invalidManifests().stream();
  }

  @Test
  void theListsOfOneSidedRulesNameExistingManifests() {
    List<String> files = ProjectFiles.invalidManifests().stream().map(p -> p.getFileName().toString()).toList();
    assertThat(files).containsAll(ONLY_THE_VALIDATOR_REFUSES.keySet()).containsAll(ONLY_THE_SERVER_REFUSES.keySet());
    assertThat(files).hasSizeGreaterThanOrEqualTo(30);
  }

  /**
   * The schema and the validator cannot drift: each bad manifest is refused by both (naming its field), unless it
   * is listed as a one-sided rule, and then exactly that side refuses it.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("badManifests")
  void everyBadManifestIsRefusedByTheServerAndTheValidatorAlike(Path manifest) throws IOException {
    String file = manifest.getFileName().toString();
    String yaml = read(manifest);
    String field = ProjectFiles.expectedField(manifest);

    List<GenericKubernetesResource> docs = documents(yaml);
    assertThat(docs).as(file).hasSize(1);
    Optional<String> server = serverRefusal(docs.get(0));
    List<Violation> validator = new ManifestValidator().validate(yaml).stream()
        .flatMap(r -> r.violations().stream()).toList();

    if (ONLY_THE_VALIDATOR_REFUSES.containsKey(file)) {
      assertThat(server).as("the API server now refuses %s too (%s): remove it from ONLY_THE_VALIDATOR_REFUSES",
          file, server.orElse("")).isEmpty();
    } else {
      assertThat(server).as("the API server accepted %s (%s)", file, firstComment(yaml)).isPresent();
      assertThat(server.get()).as("the API server's refusal of %s names %s", file, field).contains(field);
    }
    if (ONLY_THE_SERVER_REFUSES.containsKey(file)) {
      assertThat(validator).as("the validator now refuses %s too: remove it from ONLY_THE_SERVER_REFUSES", file)
          .isEmpty();
    } else {
      assertThat(validator).as("the validator accepted %s (%s)", file, firstComment(yaml)).isNotEmpty();
      assertThat(validator).as("the validator's refusal of %s names %s", file, field)
          .anySatisfy(v -> assertThat(v.field() + ": " + v.message()).contains(field));
    }
  }

  /** Server-side dry-run create with strict field validation (as kubectl does): the refusal, if any. */
  Optional<String> serverRefusal(GenericKubernetesResource doc) {
    try {
      client().resource(doc).dryRun().fieldValidation(FieldValidateable.Validation.STRICT).create();
      return Optional.empty();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 400 && e.getCode() != 422) {
        throw e; // not a refusal of the content: the server or the test is broken
      }
      return Optional.of(e.getCode() + " " + (e.getStatus() != null && e.getStatus().getMessage() != null
          ? e.getStatus().getMessage() : e.getMessage()));
    }
  }

  // ---------------------------------------------------------------------------------------------- printer columns

  @Test
  void printerColumnsComeBackFromTheServerAsDeclared() throws Exception {
    for (CustomResourceDefinition crd : crds()) {
      CustomResourceDefinitionVersion version = crd.getSpec().getVersions().stream()
          .filter(CustomResourceDefinitionVersion::getServed).findFirst().orElseThrow();
      String kind = crd.getSpec().getNames().getKind();
      GenericKubernetesResource obj = exampleOf(kind);
      String name = uniqueName(obj.getMetadata().getName());
      obj.getMetadata().setName(name);
      var resources = client().genericKubernetesResources(API_VERSION, kind);
      resources.resource(obj).create();
      try {
        JsonNode table = table("/apis/" + GROUP + "/" + version.getName() + "/" + crd.getSpec().getNames().getPlural()
            + "/" + name);
        assertThat(table.path("kind").asText()).isEqualTo("Table");
        List<String> expected = new ArrayList<>();
        expected.add("Name");
        version.getAdditionalPrinterColumns().stream().map(CustomResourceColumnDefinition::getName)
            .forEach(expected::add);
        List<String> names = new ArrayList<>();
        Map<String, String> types = new LinkedHashMap<>();
        table.path("columnDefinitions").forEach(c -> {
          names.add(c.path("name").asText());
          types.put(c.path("name").asText(), c.path("type").asText());
        });
        assertThat(names).as("%s columns", kind).containsExactlyElementsOf(expected);
        for (CustomResourceColumnDefinition c : version.getAdditionalPrinterColumns()) {
          assertThat(types.get(c.getName())).as("%s column %s type", kind, c.getName()).isEqualTo(c.getType());
        }
        assertThat(table.path("rows")).hasSize(1);
        assertThat(table.path("rows").get(0).path("cells").get(0).asText()).isEqualTo(name);
      } finally {
        resources.withName(name).delete();
      }
    }
  }

  @Test
  void theVolumeTableShowsItsStatus() throws Exception {
    var volumes = client().genericKubernetesResources(API_VERSION, "IscsiSharedVolume");
    GenericKubernetesResource isv = exampleOf("IscsiSharedVolume");
    String name = uniqueName("table");
    isv.getMetadata().setName(name);
    spec(isv, "multipath").put("alias", name);
    GenericKubernetesResource created = volumes.resource(isv).create();
    try {
      created.setAdditionalProperty("status", degradedButServing());
      volumes.resource(created).updateStatus();

      // Degraded but serving: both columns say it.
      Map<String, JsonNode> cells = cellsByColumn(table("/apis/" + API_VERSION + "/iscsisharedvolumes/" + name));
      assertThat(cells.get("Name").asText()).isEqualTo(name);
      assertThat(cells.get("Ready").asText()).isEqualTo("True");
      assertThat(cells.get("Degraded").asText()).isEqualTo("True");
      assertThat(cells.get("Nodes mounted").asInt()).isEqualTo(2);
      assertThat(cells.get("Paths").asText()).isEqualTo("3/4");
    } finally {
      volumes.withName(name).delete();
    }
  }

  private Map<String, JsonNode> cellsByColumn(JsonNode table) {
    Map<String, JsonNode> cells = new TreeMap<>();
    JsonNode row = table.path("rows").get(0).path("cells");
    for (int i = 0; i < table.path("columnDefinitions").size(); i++) {
      cells.put(table.path("columnDefinitions").get(i).path("name").asText(), row.get(i));
    }
    return cells;
  }

  /** GET path as a meta.k8s.io/v1 Table, the request kubectl get makes. */
  JsonNode table(String path) throws Exception {
    HttpClient http = client().getHttpClient();
    String base = client().getMasterUrl().toString().replaceAll("/+$", "");
    HttpRequest request = http.newHttpRequestBuilder().uri(base + path).header("Accept", TABLE).build();
    HttpResponse<String> response = http.sendAsync(request, String.class).get(60, TimeUnit.SECONDS);
    assertThat(response.code()).as("GET %s as Table: %s", path, response.body()).isEqualTo(200);
    return JSON.readTree(response.body());
  }

  // ---------------------------------------------------------------------------------------------- status

  @Test
  void statusIsASubresource() {
    var volumes = client().genericKubernetesResources(API_VERSION, "IscsiSharedVolume");
    GenericKubernetesResource isv = exampleOf("IscsiSharedVolume");
    String name = uniqueName("status");
    isv.getMetadata().setName(name);
    spec(isv, "multipath").put("alias", name);
    isv.setAdditionalProperty("status", status("True", 9, "9/9"));
    Resource<GenericKubernetesResource> byName = volumes.withName(name);

    GenericKubernetesResource created = volumes.resource(isv).create();
    try {
      assertThat(created.getAdditionalProperties().get("status")).as("status sent with a create").isNull();
      long generation = created.getMetadata().getGeneration();

      // status write: spec untouched, generation unchanged
      created.setAdditionalProperty("status", status("True", 2, "4/4"));
      spec(created, "filesystem").put("label", "STATUSWRITE");
      volumes.resource(created).updateStatus();
      GenericKubernetesResource afterStatus = byName.get();
      assertThat(statusOf(afterStatus).get("paths")).isEqualTo("4/4");
      assertThat(spec(afterStatus, "filesystem").get("label")).isEqualTo("ISCSI");
      assertThat(afterStatus.getMetadata().getGeneration()).isEqualTo(generation);

      // spec write: status untouched, generation bumped
      spec(afterStatus, "filesystem").put("label", "SPECWRITE");
      afterStatus.setAdditionalProperty("status", status("False", 0, "0/4"));
      volumes.resource(afterStatus).update();
      GenericKubernetesResource afterSpec = byName.get();
      assertThat(spec(afterSpec, "filesystem").get("label")).isEqualTo("SPECWRITE");
      assertThat(statusOf(afterSpec).get("paths")).isEqualTo("4/4");
      assertThat(statusOf(afterSpec).get("nodesMounted")).isEqualTo(2);
      assertThat(afterSpec.getMetadata().getGeneration()).isEqualTo(generation + 1);
    } finally {
      byName.delete();
    }
  }

  /** Ready=True and Degraded=True PathDown, one of four paths failed: what a volume shows while one link is down. */
  static Map<String, Object> degradedButServing() {
    Map<String, Object> status = status("True", 2, "3/4");
    Map<String, Object> degraded = new LinkedHashMap<>();
    degraded.put("type", "Degraded");
    degraded.put("status", "True");
    degraded.put("reason", "PathDown");
    degraded.put("message", "set by " + ApiServerContract.class.getSimpleName());
    degraded.put("lastTransitionTime", Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"));
    List<Object> conditions = new ArrayList<>((List<?>) status.get("conditions"));
    conditions.add(degraded);
    status.put("conditions", conditions);
    return status;
  }

  static Map<String, Object> status(String ready, int nodesMounted, String paths) {
    Map<String, Object> condition = new LinkedHashMap<>();
    condition.put("type", "Ready");
    condition.put("status", ready);
    condition.put("reason", "True".equals(ready) ? "Mounted" : "PathDown");
    condition.put("message", "set by " + ApiServerContract.class.getSimpleName());
    condition.put("lastTransitionTime", Instant.now().toString().replaceAll("\\.\\d+Z$", "Z"));
    Map<String, Object> status = new LinkedHashMap<>();
    status.put("conditions", List.of(condition));
    status.put("nodesMounted", nodesMounted);
    status.put("paths", paths);
    return status;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource r, String section) {
    return (Map<String, Object>) ((Map<String, Object>) r.getAdditionalProperties().get("spec")).get(section);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> statusOf(GenericKubernetesResource r) {
    Object status = r.getAdditionalProperties().get("status");
    assertThat(status).as("status of %s", r.getMetadata().getName()).isNotNull();
    return (Map<String, Object>) status;
  }

  // ---------------------------------------------------------------------------------------------- helpers

  /** A fresh copy of the example object of that kind from examples/. */
  static GenericKubernetesResource exampleOf(String kind) {
    return ProjectFiles.examples().stream()
        .flatMap(f -> documents(read(f)).stream())
        .filter(d -> kind.equals(d.getKind()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " in examples/"));
  }

  /** The documents of a YAML stream, as the server will see them (no typed model in between). */
  static List<GenericKubernetesResource> documents(String yaml) {
    ObjectMapper mapper = new YAMLMapper();
    List<GenericKubernetesResource> docs = new ArrayList<>();
    try (var parser = new YAMLFactory().createParser(yaml)) {
      for (var it = mapper.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode node = it.next();
        if (node == null || node.isNull() || node.isMissingNode() || node.isEmpty()) {
          continue;
        }
        docs.add(Serialization.jsonMapper().convertValue(node, GenericKubernetesResource.class));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return docs;
  }

  static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String firstComment(String yaml) {
    return yaml.lines().filter(l -> l.startsWith("# why:")).findFirst().orElse("no '# why:' line").trim();
  }
}
