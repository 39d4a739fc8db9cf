package io.ocfs2iscsi.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The uint32 fields of a VolumeSpec arrive in Java as signed ints: 2^31 and above read as negative numbers, which
 * an upper bound alone lets through. Every such field is checked as the unsigned number the sender meant.
 */
class VolumeSpecChecksTest {

  static final Map<String, BiFunction<VolumeSpec, Integer, VolumeSpec>> SETTERS = Map.of(
      "target.lun", (s, v) -> s.toBuilder().setTarget(s.getTarget().toBuilder().setLun(v)).build(),
      "target.replacement_timeout_seconds",
          (s, v) -> s.toBuilder().setTarget(s.getTarget().toBuilder().setReplacementTimeoutSeconds(v)).build(),
      "target.noop_out_interval_seconds",
          (s, v) -> s.toBuilder().setTarget(s.getTarget().toBuilder().setNoopOutIntervalSeconds(v)).build(),
      "target.noop_out_timeout_seconds",
          (s, v) -> s.toBuilder().setTarget(s.getTarget().toBuilder().setNoopOutTimeoutSeconds(v)).build(),
      "multipath.polling_interval_seconds",
          (s, v) -> s.toBuilder().setMultipath(s.getMultipath().toBuilder().setPollingIntervalSeconds(v)).build(),
      "filesystem.node_slots",
          (s, v) -> s.toBuilder().setFilesystem(s.getFilesystem().toBuilder().setNodeSlots(v)).build());

  @ParameterizedTest
  @CsvSource({
    "target.lun, 2147483648",
    "target.lun, 4294967295",
    "target.replacement_timeout_seconds, 2147483648",
    "target.replacement_timeout_seconds, 4294967295",
    "target.noop_out_interval_seconds, 61",
    "target.noop_out_interval_seconds, 4294967295",
    "target.noop_out_timeout_seconds, 61",
    "target.noop_out_timeout_seconds, 2147483648",
    "multipath.polling_interval_seconds, 2147483648",
    "multipath.polling_interval_seconds, 4294967295",
    "filesystem.node_slots, 2147483648",
    "filesystem.node_slots, 4294967295",
  })
  void uint32ValuesFromTwoToThe31AreRefusedAsTheNumberTheSenderMeant(String field, long unsigned) {
    VolumeSpec spec = SETTERS.get(field).apply(VolumeContextCodecTest.reference(), (int) unsigned);

    assertThat(VolumeSpecChecks.violations(spec))
        .singleElement()
        .asString()
        .startsWith(field + ": must be between ")
        .endsWith(", got " + unsigned);
  }

  @ParameterizedTest
  @CsvSource({
    "lun, 2147483648, target.lun",
    "lun, 4294967295, target.lun",
    "nodeSlots, 4294967295, filesystem.node_slots",
    "pollingIntervalSeconds, 2147483648, multipath.polling_interval_seconds",
  })
  void theContextCarriesUint32TextBothWaysAndTheRangeCheckNamesTheField(String key, String text, String field) {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(VolumeContextCodecTest.reference()));
    ctx.put(key, text);

    VolumeSpec decoded = VolumeContextCodec.decode("mylun", ctx);

    assertThat(VolumeContextCodec.encode(decoded)).containsEntry(key, text);
    assertThat(VolumeSpecChecks.violations(decoded)).singleElement().asString()
        .startsWith(field + ": ").endsWith("got " + text);
  }

  @ParameterizedTest
  @CsvSource({"-1", "4294967296", "99999999999"})
  void contextNumbersOutsideUint32AreNamed(String text) {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(VolumeContextCodecTest.reference()));
    ctx.put("lun", text);

    assertThatThrownBy(() -> VolumeContextCodec.decode("mylun", ctx))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("volume_context[lun] must be a whole number between 0 and 4294967295, got '" + text + "'");
  }

  @org.junit.jupiter.api.Test
  void aClusterStackFromANewerSenderIsRefusedNamingTheField() {
    VolumeSpec spec = VolumeContextCodecTest.reference();
    VolumeSpec unknown = spec.toBuilder()
        .setFilesystem(spec.getFilesystem().toBuilder().setClusterStackValue(7))
        .build();

    assertThat(VolumeSpecChecks.violations(unknown)).containsExactly(
        "filesystem.cluster_stack: must be o2cb or user, got enum value 7");
    assertThat(VolumeSpecChecks.violations(spec)).isEmpty();
  }
}
