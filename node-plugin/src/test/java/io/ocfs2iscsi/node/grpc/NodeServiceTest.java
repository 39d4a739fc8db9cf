package io.ocfs2iscsi.node.grpc;

import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import csi.v1.GetPluginCapabilitiesRequest;
import csi.v1.GetPluginInfoRequest;
import csi.v1.NodeExpandVolumeRequest;
import csi.v1.NodeGetCapabilitiesRequest;
import csi.v1.NodeGetInfoRequest;
import csi.v1.NodeGetVolumeStatsRequest;
import csi.v1.NodeGetVolumeStatsResponse;
import csi.v1.NodePublishVolumeRequest;
import csi.v1.NodeServiceCapability;
import csi.v1.NodeStageVolumeRequest;
import csi.v1.NodeUnpublishVolumeRequest;
import csi.v1.NodeUnstageVolumeRequest;
import csi.v1.ProbeRequest;
import csi.v1.VolumeCapability;
import csi.v1.VolumeUsage;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSI Identity and Node over grpc-java's in-process transport: the translation and every status code. */
class NodeServiceTest {

  static final VolumeCapability MOUNT =
      VolumeCapability.newBuilder()
          .setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ocfs2"))
          .setAccessMode(VolumeCapability.AccessMode.newBuilder()
              .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER))
          .build();

  @TempDir Path root;
  InProcessPlugin plugin;

  @BeforeEach
  void setUp() {
    plugin = new InProcessPlugin(new ReferenceHost(root).withClusterApplied());
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    plugin.close();
  }

  static NodeStageVolumeRequest.Builder stageRequest() {
    return NodeStageVolumeRequest.newBuilder()
        .setVolumeId("mylun")
        .setStagingTargetPath(STAGING)
        .setVolumeCapability(MOUNT)
        .putAllVolumeContext(VolumeContextCodec.encode(ReferenceHost.spec()));
  }

  static NodePublishVolumeRequest.Builder publishRequest() {
    return NodePublishVolumeRequest.newBuilder()
        .setVolumeId("mylun")
        .setStagingTargetPath(STAGING)
        .setTargetPath(TARGET_1)
        .setVolumeCapability(MOUNT)
        .putAllVolumeContext(VolumeContextCodec.encode(ReferenceHost.spec()));
  }

  @Test
  void identity() {
    assertThat(plugin.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getName())
        .isEqualTo(CsiDriver.NAME);
    assertThat(plugin.identity.getPluginInfo(GetPluginInfoRequest.getDefaultInstance()).getVendorVersion())
        .isEqualTo("0.1.0-test");
    assertThat(plugin.identity.getPluginCapabilities(GetPluginCapabilitiesRequest.getDefaultInstance())
        .getCapabilitiesList()).isEmpty();
    assertThat(plugin.identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue()).isTrue();
  }

  @Test
  void probeIsNotReadyWithoutIscsiadm(@TempDir Path other) throws Exception {
    ReferenceHost host = new ReferenceHost(other);
    host.fake.on("iscsiadm", "--version").reply(Reply.fail(127, "iscsiadm: not found"));
    try (InProcessPlugin p = new InProcessPlugin(host)) {
      assertThat(p.identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue()).isFalse();
    }
  }

  @Test
  void capabilitiesAndInfo() {
    assertThat(plugin.node.nodeGetCapabilities(NodeGetCapabilitiesRequest.getDefaultInstance()).getCapabilitiesList())
        .extracting(c -> c.getRpc().getType())
        .containsExactly(
            NodeServiceCapability.RPC.Type.STAGE_UNSTAGE_VOLUME,
            NodeServiceCapability.RPC.Type.GET_VOLUME_STATS,
            NodeServiceCapability.RPC.Type.VOLUME_CONDITION,
            NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER);
    assertThat(plugin.node.nodeGetInfo(NodeGetInfoRequest.getDefaultInstance()).getNodeId()).isEqualTo("drbd01");
  }

  @Test
  void stagePublishStatsUnpublishUnstage() {
    plugin.node.nodeStageVolume(stageRequest().build());
    plugin.node.nodePublishVolume(publishRequest().build());

    NodeGetVolumeStatsResponse stats = plugin.node.nodeGetVolumeStats(
        NodeGetVolumeStatsRequest.newBuilder().setVolumeId("mylun").setVolumePath(TARGET_1).build());
    assertThat(stats.getUsageList()).extracting(VolumeUsage::getUnit)
        .containsExactly(VolumeUsage.Unit.BYTES, VolumeUsage.Unit.INODES);
    assertThat(stats.getUsage(0).getTotal()).isEqualTo(4096L * 5241856);
    assertThat(stats.getVolumeCondition().getAbnormal()).isFalse();
    assertThat(stats.getVolumeCondition().getMessage()).startsWith("2 of 2 paths up");

    plugin.host.secondPathFailed = true;
    NodeGetVolumeStatsResponse degraded = plugin.node.nodeGetVolumeStats(
        NodeGetVolumeStatsRequest.newBuilder().setVolumeId("mylun").setVolumePath(TARGET_1).build());
    assertThat(degraded.getVolumeCondition().getAbnormal()).isTrue();
    assertThat(degraded.getVolumeCondition().getMessage()).contains("path sdd (4:0:0:0) is failed/faulty");
    plugin.host.secondPathFailed = false;

    plugin.node.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder().setVolumeId("mylun").setTargetPath(TARGET_1).build());
    plugin.node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder().setVolumeId("mylun").setStagingTargetPath(STAGING).build());

    assertThat(plugin.host.loggedIn).isEmpty();
    assertThat(plugin.host.mountTable()).noneMatch(l -> l.contains("/var/lib/kubelet"));
  }

  @Test
  void readerOnlyAccessModePublishesReadOnly() {
    plugin.node.nodeStageVolume(stageRequest().build());
    VolumeCapability readers = MOUNT.toBuilder()
        .setAccessMode(VolumeCapability.AccessMode.newBuilder()
            .setMode(VolumeCapability.AccessMode.Mode.MULTI_NODE_READER_ONLY))
        .build();

    plugin.node.nodePublishVolume(publishRequest().setVolumeCapability(readers).build());

    assertThat(plugin.host.fake.calls()).contains("mount -o remount,bind,nosuid,nodev,ro " + TARGET_1);
  }

  @Test
  void invalidArgument() {
    expect(Status.Code.INVALID_ARGUMENT, () -> plugin.node.nodeStageVolume(stageRequest().setVolumeId("").build()));
    expect(Status.Code.INVALID_ARGUMENT,
        () -> plugin.node.nodeStageVolume(stageRequest().setStagingTargetPath("").build()));
    expect(Status.Code.INVALID_ARGUMENT,
        () -> plugin.node.nodeStageVolume(stageRequest().clearVolumeCapability().build()));
    expect(Status.Code.INVALID_ARGUMENT,
        () -> plugin.node.nodeStageVolume(stageRequest().removeVolumeContext(VolumeContextCodec.IQN).build()));
    expect(Status.Code.INVALID_ARGUMENT,
        () -> plugin.node.nodeStageVolume(stageRequest().putVolumeContext(VolumeContextCodec.LUN, "x").build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> plugin.node.nodeStageVolume(stageRequest()
        .putVolumeContext(VolumeContextCodec.PORTALS, "192.168.0.180:3260;rm -rf /").build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> plugin.node.nodePublishVolume(publishRequest().setTargetPath("").build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> plugin.node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder().setVolumeId("mylun").build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> plugin.node.nodeUnpublishVolume(
        NodeUnpublishVolumeRequest.newBuilder().setTargetPath(TARGET_1).build()));
    expect(Status.Code.INVALID_ARGUMENT, () -> plugin.node.nodeGetVolumeStats(
        NodeGetVolumeStatsRequest.newBuilder().setVolumeId("mylun").build()));
    assertThat(plugin.host.fake.calls()).isEmpty();
  }

  @Test
  void notFound() {
    expect(Status.Code.NOT_FOUND, () -> plugin.node.nodePublishVolume(publishRequest().build()));
    expect(Status.Code.NOT_FOUND, () -> plugin.node.nodeGetVolumeStats(
        NodeGetVolumeStatsRequest.newBuilder().setVolumeId("mylun").setVolumePath(TARGET_1).build()));
    plugin.host.fake.onPrefix("iscsiadm", "-m", "discovery")
        .reply(Reply.ok("192.168.0.180:3260,1 iqn.2016-02.local.virtual:another.target\n"));
    expect(Status.Code.NOT_FOUND, () -> plugin.node.nodeStageVolume(stageRequest().build()), "not offered");
  }

  @Test
  void failedPrecondition() {
    plugin.node.nodeStageVolume(stageRequest().build());
    expect(Status.Code.FAILED_PRECONDITION,
        () -> plugin.node.nodePublishVolume(publishRequest().setStagingTargetPath("/var/lib/kubelet/other").build()));
    plugin.node.nodePublishVolume(publishRequest().build());
    expect(Status.Code.FAILED_PRECONDITION, () -> plugin.node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder().setVolumeId("mylun").setStagingTargetPath(STAGING).build()),
        "still published");
  }

  @Test
  void failedPreconditionOnWwidMismatch(@TempDir Path other) throws Exception {
    ReferenceHost host = new ReferenceHost(other).withClusterApplied();
    host.wwidOfDevice.put("sdd", "36001405deadbeef");
    try (InProcessPlugin p = new InProcessPlugin(host)) {
      expect(Status.Code.FAILED_PRECONDITION, () -> p.node.nodeStageVolume(stageRequest().build()), "WWID mismatch");
    }
  }

  @Test
  void alreadyExists() {
    plugin.node.nodeStageVolume(stageRequest().build());
    plugin.node.nodePublishVolume(publishRequest().build());
    expect(Status.Code.ALREADY_EXISTS, () -> plugin.node.nodePublishVolume(publishRequest().setReadonly(true).build()));
    expect(Status.Code.ALREADY_EXISTS,
        () -> plugin.node.nodeStageVolume(stageRequest().setStagingTargetPath("/var/lib/kubelet/second").build()));
  }

  @Test
  void abortedWhileAnotherCallRunsOnTheVolume() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    plugin.host.fake.on("iscsiadm", "-m", "session", "-P", "1").answer(a -> {
      inside.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new Reply(21, "", "iscsiadm: No active sessions.\n");
    });
    // A stage that hangs in its first command holds the volume's lock.
    CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
      try {
        plugin.node.nodeStageVolume(stageRequest().build());
      } catch (StatusRuntimeException ignored) {
        // the stage ends after release
      }
    });
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

    expect(Status.Code.ABORTED, () -> plugin.node.nodeUnstageVolume(
        NodeUnstageVolumeRequest.newBuilder().setVolumeId("mylun").setStagingTargetPath(STAGING).build()));
    expect(Status.Code.ABORTED, () -> plugin.node.nodePublishVolume(publishRequest().build()));

    release.countDown();
    holder.get(10, TimeUnit.SECONDS);
  }

  @Test
  void unavailableUntilTheClusterIsApplied(@TempDir Path other) throws Exception {
    try (InProcessPlugin p = new InProcessPlugin(new ReferenceHost(other))) {
      expect(Status.Code.UNAVAILABLE, () -> p.node.nodeStageVolume(stageRequest().build()), "no o2cb cluster");
    }
  }

  @Test
  void internalWithTheToolsReadableMessage() {
    plugin.host.downPortals.addAll(java.util.List.of(ReferenceHost.PORTAL_A, ReferenceHost.PORTAL_B));
    expect(Status.Code.INTERNAL, () -> plugin.node.nodeStageVolume(stageRequest().build()), "transport error");
  }

  @Test
  void iscsidNotRunningIsExplained() {
    plugin.host.fake.onPrefix("iscsiadm", "-m", "discovery")
        .reply(Reply.fail(20, "iscsiadm: can not connect to iSCSI daemon (111)!\n"));
    expect(Status.Code.INTERNAL, () -> plugin.node.nodeStageVolume(stageRequest().build()),
        "is the iscsid daemon running");
  }

  @Test
  void aBugIsInternalNeverUnknown() {
    plugin.host.fake.on("iscsiadm", "-m", "session", "-P", "1").answer(a -> {
      throw new IllegalStateException("boom");
    });
    expect(Status.Code.INTERNAL, () -> plugin.node.nodeStageVolume(stageRequest().build()), "boom");
  }

  @Test
  void expansionIsNotOffered() {
    expect(Status.Code.UNIMPLEMENTED,
        () -> plugin.node.nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId("mylun").build()));
  }

  @Test
  void secretsOfAFailedStageNeverReachTheCaller() {
    Map<String, String> secrets = Map.of(
        "node.session.auth.username", "user-5521", "node.session.auth.password", "pw-Secret-77");
    plugin.host.fake.onPrefix("iscsiadm", "-m", "node", "-T", ReferenceHost.IQN, "-p", ReferenceHost.PORTAL_A, "--login")
        .reply(Reply.fail(24, "login failed for user-5521 with pw-Secret-77\n"));
    plugin.host.fake.onPrefix("iscsiadm", "-m", "node", "-T", ReferenceHost.IQN, "-p", ReferenceHost.PORTAL_B, "--login")
        .reply(Reply.fail(24, "login failed for user-5521 with pw-Secret-77\n"));

    assertThatThrownBy(() -> plugin.node.nodeStageVolume(stageRequest().putAllSecrets(secrets).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
          assertThat(e.getStatus().getDescription()).contains("CHAP authentication failed")
              .doesNotContain("pw-Secret-77").doesNotContain("user-5521");
        });
  }

  static void expect(Status.Code code, ThrowingCallable call) {
    expect(code, call, "");
  }

  static void expect(Status.Code code, ThrowingCallable call, String inMessage) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(String.valueOf(e.getStatus().getDescription())).contains(inMessage);
        });
  }
}
