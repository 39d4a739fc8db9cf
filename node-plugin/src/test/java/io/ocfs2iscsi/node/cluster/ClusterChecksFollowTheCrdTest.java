package io.ocfs2iscsi.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Every o2cb value the committed Ocfs2Cluster CRD lets a user write reaches the node in ApplyCluster; the node must
 * accept each bound the CRD allows (else a valid manifest makes every ApplyCluster fail) and refuse one step beyond
 * where it checks. The bounds are read from the CRD YAML itself, not from shared constants, so this test sees a
 * drift whichever side moves.
 */
class ClusterChecksFollowTheCrdTest {

  private static final Path CRD = Path.of(System.getProperty("project.root", ".."))
      .resolve("crds/ocfs2clusters.ocfs2iscsi.io-v1.yml");

  /** A field of the CRD's spec, how it lands in ApplyCluster, and whether the node refuses values outside it. */
  record Field(List<String> path, BiFunction<ApplyClusterRequest.Builder, Integer, ApplyClusterRequest.Builder> set,
      boolean belowChecked, boolean aboveChecked) {
    @Override
    public String toString() {
      return String.join(".", path);
    }
  }

  static Stream<Arguments> fields() {
    return Stream.of(
        new Field(List.of("port"), (r, v) -> r.setPort(v), false, true),
        new Field(List.of("heartbeat", "deadThreshold"),
            (r, v) -> r.setTimeouts(r.getTimeouts().toBuilder().setHeartbeatDeadThreshold(v)), true, true),
        new Field(List.of("network", "idleTimeoutMs"),
            (r, v) -> r.setTimeouts(r.getTimeouts().toBuilder().setIdleTimeoutMs(v)), false, true),
        // The CRD's CEL rule keeps keepalive below idle; the walk pairs it with the largest idle timeout.
        new Field(List.of("network", "keepaliveDelayMs"),
            (r, v) -> r.setTimeouts(r.getTimeouts().toBuilder().setKeepaliveDelayMs(v)
                .setIdleTimeoutMs(bound(List.of("network", "idleTimeoutMs"), "maximum"))), false, false),
        new Field(List.of("network", "reconnectDelayMs"),
            (r, v) -> r.setTimeouts(r.getTimeouts().toBuilder().setReconnectDelayMs(v)), false, true))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fields")
  void theNodeAcceptsEveryBoundTheCrdAllows(Field field) {
    int min = bound(field.path(), "minimum");
    int max = bound(field.path(), "maximum");
    int dflt = bound(field.path(), "default");

    for (int value : new int[] {min, dflt, keepaliveBelowIdle(field, max)}) {
      ApplyClusterRequest request = field.set().apply(crdDefaults().toBuilder(), value).build();
      assertThat(ClusterStack.violations(request))
          .as("%s = %d is valid by the CRD (%d..%d), so the node must take it", field, value, min, max)
          .isEmpty();
    }
    if (field.belowChecked()) {
      assertThat(ClusterStack.violations(field.set().apply(crdDefaults().toBuilder(), min - 1).build()))
          .as("%s = %d is below the CRD's minimum", field, min - 1).isNotEmpty();
    }
    if (field.aboveChecked()) {
      assertThat(ClusterStack.violations(field.set().apply(crdDefaults().toBuilder(), max + 1).build()))
          .as("%s = %d is above the CRD's maximum", field, max + 1).isNotEmpty();
    }
  }

  /** keepaliveDelayMs at the CRD's maximum would equal the largest idle timeout, which the CEL rule forbids. */
  private static int keepaliveBelowIdle(Field field, int max) {
    if (field.toString().equals("network.keepaliveDelayMs")) {
      return Math.min(max, bound(List.of("network", "idleTimeoutMs"), "maximum") - 1);
    }
    return max;
  }

  /** The request an Ocfs2Cluster with every CRD default produces (one member). */
  private static ApplyClusterRequest crdDefaults() {
    return ApplyClusterRequest.newBuilder()
        .setClusterName("iscsi")
        .setPort(bound(List.of("port"), "default"))
        .setTimeouts(O2cbTimeouts.newBuilder()
            .setHeartbeatDeadThreshold(bound(List.of("heartbeat", "deadThreshold"), "default"))
            .setIdleTimeoutMs(bound(List.of("network", "idleTimeoutMs"), "default"))
            .setKeepaliveDelayMs(bound(List.of("network", "keepaliveDelayMs"), "default"))
            .setReconnectDelayMs(bound(List.of("network", "reconnectDelayMs"), "default")))
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd01").setNumber(0).setAddress("10.10.1.20"))
        .setRevision("1")
        .build();
  }

  /** minimum, maximum or default of a field under spec in the committed CRD. */
  @SuppressWarnings("unchecked")
  static int bound(List<String> path, String key) {
    Map<String, Object> node = specSchema();
    for (int i = 0; i < path.size(); i++) {
      node = (Map<String, Object>) ((Map<String, Object>) node.get("properties")).get(path.get(i));
      if (node == null) {
        throw new AssertionError("the CRD has no spec." + String.join(".", path.subList(0, i + 1)));
      }
    }
    Object value = node.get(key);
    if (value == null) {
      throw new AssertionError("spec." + String.join(".", path) + " has no " + key + " in " + CRD);
    }
    return ((Number) value).intValue();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> specSchema() {
    try (Reader in = Files.newBufferedReader(CRD)) {
      Map<String, Object> crd = new Yaml().load(in);
      Map<String, Object> version = ((List<Map<String, Object>>) ((Map<String, Object>) crd.get("spec"))
          .get("versions")).get(0);
      Map<String, Object> root = (Map<String, Object>) ((Map<String, Object>) version.get("schema"))
          .get("openAPIV3Schema");
      return (Map<String, Object>) ((Map<String, Object>) root.get("properties")).get("spec");
    } catch (IOException e) {
      throw new AssertionError("cannot read " + CRD, e);
    }
  }
}
