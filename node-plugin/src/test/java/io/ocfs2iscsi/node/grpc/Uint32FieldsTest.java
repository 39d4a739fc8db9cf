package io.ocfs2iscsi.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.FormatVolumeRequest;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.function.BiFunction;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every uint32 field the node plugin reads, sent with 2^31 and 2^32-1 (which Java reads as negative ints): refused
 * with INVALID_ARGUMENT naming the field and the value the sender meant, before anything reaches the host.
 */
class Uint32FieldsTest {

  @TempDir Path root;
  InProcessPlugin plugin;

  @BeforeEach
  void setUp() {
    plugin = new InProcessPlugin(new ReferenceHost(root));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    plugin.close();
  }

  @ParameterizedTest
  @ValueSource(longs = {2147483648L, 4294967295L})
  void volumeSpecFieldsOfFormatAndHealth(long unsigned) {
    int raw = (int) unsigned;
    refused(spec((s, v) -> s.toBuilder().setTarget(s.getTarget().toBuilder().setLun(v)).build(), raw),
        "target.lun", unsigned);
    refused(spec((s, v) -> s.toBuilder().setTarget(s.getTarget().toBuilder().setReplacementTimeoutSeconds(v))
        .build(), raw), "target.replacement_timeout_seconds", unsigned);
    refused(spec((s, v) -> s.toBuilder().setMultipath(s.getMultipath().toBuilder().setPollingIntervalSeconds(v))
        .build(), raw), "multipath.polling_interval_seconds", unsigned);
    refused(spec((s, v) -> s.toBuilder().setFilesystem(s.getFilesystem().toBuilder().setNodeSlots(v)).build(), raw),
        "filesystem.node_slots", unsigned);
    assertThat(plugin.host.fake.calls()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(longs = {2147483648L, 4294967295L})
  void applyClusterFields(long unsigned) {
    int raw = (int) unsigned;
    ApplyClusterRequest ref = ReferenceHost.clusterRequest();
    O2cbTimeouts t = ref.getTimeouts();
    expectInvalid(() -> plugin.agent.applyCluster(ref.toBuilder().setPort(raw).build()), "port", unsigned);
    expectInvalid(() -> plugin.agent.applyCluster(ref.toBuilder()
        .setMembers(1, ClusterMember.newBuilder().setNodeName("drbd02").setNumber(raw).setAddress("10.10.1.19"))
        .build()), "members[1].number", unsigned);
    expectInvalid(() -> plugin.agent.applyCluster(ref.toBuilder()
        .setTimeouts(t.toBuilder().setHeartbeatDeadThreshold(raw)).build()),
        "timeouts.heartbeat_dead_threshold", unsigned);
    expectInvalid(() -> plugin.agent.applyCluster(ref.toBuilder()
        .setTimeouts(t.toBuilder().setIdleTimeoutMs(raw)).build()), "timeouts.idle_timeout_ms", unsigned);
    expectInvalid(() -> plugin.agent.applyCluster(ref.toBuilder()
        .setTimeouts(t.toBuilder().setKeepaliveDelayMs(raw)).build()), "timeouts.keepalive_delay_ms", unsigned);
    expectInvalid(() -> plugin.agent.applyCluster(ref.toBuilder()
        .setTimeouts(t.toBuilder().setReconnectDelayMs(raw)).build()), "timeouts.reconnect_delay_ms", unsigned);
    assertThat(plugin.host.fake.calls()).isEmpty();
    assertThat(plugin.host.exists("/etc/ocfs2/cluster.conf")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"2147483648", "4294967295"})
  void theLunOfAVolumeContext(String text) {
    plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    plugin.host.fake.clearCalls();
    expectInvalid(() -> plugin.node.nodeStageVolume(NodeServiceTest.stageRequest()
        .putVolumeContext(VolumeContextCodec.LUN, text).build()), "target.lun", Long.parseLong(text));
    assertThat(plugin.host.fake.calls()).isEmpty();
  }

  private static VolumeSpec spec(BiFunction<VolumeSpec, Integer, VolumeSpec> setter, int raw) {
    return setter.apply(ReferenceHost.spec(), raw);
  }

  private void refused(VolumeSpec spec, String field, long unsigned) {
    expectInvalid(() -> plugin.agent.formatVolume(FormatVolumeRequest.newBuilder().setVolume(spec).build()),
        field, unsigned);
    expectInvalid(() -> plugin.agent.getVolumeHealth(GetVolumeHealthRequest.newBuilder().setVolume(spec).build()),
        field, unsigned);
  }

  private static void expectInvalid(ThrowingCallable call, String field, long unsigned) {
    assertThatThrownBy(call).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(e.getStatus().getDescription()).contains(field + ": must be").contains("got " + unsigned);
    });
  }
}
