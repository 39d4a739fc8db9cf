package io.ocfs2iscsi.operator.validation;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.client.CustomResource;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads multi-document YAML and validates every IscsiSharedVolume and Ocfs2Cluster in it, offline. Unknown fields
 * and wrongly typed values are refused (as the API server does with strict field validation); other kinds are
 * skipped.
 */
public final class ManifestValidator {

  /** One document's outcome: what it is and its violations. */
  public record Result(String kind, String name, List<Violation> violations) {

    public boolean valid() {
      return violations.isEmpty();
    }
  }

  private static final String API_VERSION = Ocfs2Cluster.GROUP + "/" + Ocfs2Cluster.VERSION;

  private final ObjectMapper yaml = new YAMLMapper();
  private final ObjectMapper strict =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** Validates every document of a YAML stream; documents of other kinds are not returned. */
  public List<Result> validate(String yamlText) throws IOException {
    List<Result> results = new ArrayList<>();
    var parser = new YAMLFactory().createParser(yamlText);
    for (var it = yaml.readValues(parser, JsonNode.class); it.hasNext(); ) {
      JsonNode doc = it.next();
      if (doc == null || doc.isNull() || doc.isMissingNode()) {
        continue;
      }
      String kind = doc.path("kind").asText("");
      String name = doc.path("metadata").path("name").asText("<unnamed>");
      if (!kind.equals(IscsiSharedVolume.KIND) && !kind.equals(Ocfs2Cluster.KIND)) {
        continue;
      }
      results.add(new Result(kind, name, validateDocument(kind, doc)));
    }
    return results;
  }

  private List<Violation> validateDocument(String kind, JsonNode doc) {
    String apiVersion = doc.path("apiVersion").asText("");
    if (!apiVersion.equals(API_VERSION)) {
      return List.of(new Violation("apiVersion", "must be " + API_VERSION + ", got '" + apiVersion + "'"));
    }
    try {
      if (kind.equals(IscsiSharedVolume.KIND)) {
        return IscsiSharedVolumeValidator.validate(read(doc, IscsiSharedVolume.class));
      }
      return Ocfs2ClusterValidator.validate(read(doc, Ocfs2Cluster.class));
    } catch (JsonMappingException e) {
      return List.of(fromJackson(e));
    }
  }

  private <T extends CustomResource<?, ?>> T read(JsonNode doc, Class<T> type) throws JsonMappingException {
    try {
      return strict.treeToValue(doc, type);
    } catch (JsonMappingException e) {
      throw e;
    } catch (JsonProcessingException e) {
      throw JsonMappingException.from((com.fasterxml.jackson.core.JsonParser) null, e.getOriginalMessage(), e);
    }
  }

  /** Turns Jackson's complaint into a field-named violation like the API server's. */
  static Violation fromJackson(JsonMappingException e) {
    String path = path(e.getPath());
    if (e instanceof UnrecognizedPropertyException u) {
      return new Violation(path, "field not declared in schema (unknown field '" + u.getPropertyName() + "')");
    }
    if (e instanceof InvalidFormatException f && f.getTargetType() != null && f.getTargetType().isEnum()) {
      String allowed =
          Arrays.stream(f.getTargetType().getEnumConstants())
              .map(ManifestValidator::jsonName)
              .collect(Collectors.joining("\", \"", "\"", "\""));
      return new Violation(path, "Unsupported value: \"" + f.getValue() + "\": supported values: " + allowed);
    }
    String type = e instanceof InvalidFormatException f && f.getTargetType() != null
        ? f.getTargetType().getSimpleName() : "the declared type";
    return new Violation(path, "Invalid value: must be of " + type + " (" + e.getOriginalMessage().split("\n")[0]
        + ")");
  }

  private static String jsonName(Object enumConstant) {
    try {
      var field = enumConstant.getClass().getField(((Enum<?>) enumConstant).name());
      var prop = field.getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class);
      return prop != null ? prop.value() : ((Enum<?>) enumConstant).name();
    } catch (NoSuchFieldException e) {
      return ((Enum<?>) enumConstant).name();
    }
  }

  private static String path(List<JsonMappingException.Reference> refs) {
    StringBuilder sb = new StringBuilder();
    for (JsonMappingException.Reference r : refs) {
      if (r.getFieldName() != null) {
        if (sb.length() > 0) {
          sb.append('.');
        }
        sb.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        sb.append('[').append(r.getIndex()).append(']');
      }
    }
    return sb.length() == 0 ? "<document>" : sb.toString();
  }
}
