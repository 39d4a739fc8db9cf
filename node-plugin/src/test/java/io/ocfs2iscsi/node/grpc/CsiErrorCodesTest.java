package io.ocfs2iscsi.node.grpc;

import static io.ocfs2iscsi.node.grpc.NodeServiceTest.MOUNT;
import static io.ocfs2iscsi.node.grpc.NodeServiceTest.publishRequest;
import static io.ocfs2iscsi.node.grpc.NodeServiceTest.stageRequest;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_2;
import static org.assertj.core.api.Assertions.assertThat;

import csi.v1.NodeExpandVolumeRequest;
import csi.v1.NodeGetVolumeStatsRequest;
import csi.v1.NodeUnpublishVolumeRequest;
import csi.v1.NodeUnstageVolumeRequest;
import csi.v1.VolumeCapability;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.volume.VolumeLocks;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every error case of the CSI Node RPCs with the code the CSI spec (v1.9, "Error Scheme" and each RPC's error
 * table) prescribes: missing or invalid fields INVALID_ARGUMENT, a volume that does not exist (on that path)
 * NOT_FOUND, capabilities the volume does not support FAILED_PRECONDITION, a staging_target_path missing from
 * NodePublishVolume FAILED_PRECONDITION, an incompatible repeat ALREADY_EXISTS, a call while another runs on the
 * volume ABORTED, RPCs not offered UNIMPLEMENTED; and the idempotent repeats the spec requires to answer OK.
 */
class CsiErrorCodesTest {

  static final String FOREIGN = "/var/lib/kubelet/pods/p9/volumes/kubernetes.io~csi/other/mount";

  @TempDir Path root;

  /** What the node holds before the call. */
  enum Given {
    NOTHING(p -> {}),
    NO_CLUSTER(p -> {}),
    CLUSTER(p -> {}),
    STAGED(p -> p.node.nodeStageVolume(stageRequest().build())),
    PUBLISHED(p -> {
      p.node.nodeStageVolume(stageRequest().build());
      p.node.nodePublishVolume(publishRequest().build());
    }),
    FOREIGN_MOUNT_AT_TARGET(p -> {
      p.node.nodeStageVolume(stageRequest().build());
      p.host.files.createDirectories(FOREIGN);
      p.host.write("/proc/self/mounts", p.host.read("/proc/self/mounts") + "/dev/sdz1 " + FOREIGN + " ext4 rw 0 0\n");
    }),
    RECORD_UNREADABLE(p -> {
      try {
        Path f = p.host.state.dir().resolve("volumes/mylun.properties");
        Files.createDirectories(f.getParent());
        Files.writeString(f, "phase=\u0000");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }),
    OTHER_TARGET_OFFERED(p -> p.host.fake.onPrefix("iscsiadm", "-m", "discovery")
        .reply(Reply.ok("192.168.0.180:3260,1 iqn.2016-02.local.virtual:another.target\n")));

    final Consumer<InProcessPlugin> setUp;

    Given(Consumer<InProcessPlugin> setUp) {
      this.setUp = setUp;
    }
  }

  /** One call of a CSI Node RPC. */
  interface Call {
    Object on(InProcessPlugin p);
  }

  static Arguments c(String rpc, String condition, Given given, Status.Code code, Call call) {
    return Arguments.of(rpc + ": " + condition, given, code, call);
  }

  static VolumeCapability block() {
    return MOUNT.toBuilder().setBlock(VolumeCapability.BlockVolume.getDefaultInstance()).build();
  }

  static VolumeCapability ext4() {
    return MOUNT.toBuilder().setMount(VolumeCapability.MountVolume.newBuilder().setFsType("ext4")).build();
  }

  static NodeUnstageVolumeRequest unstage(String volumeId, String path) {
    return NodeUnstageVolumeRequest.newBuilder().setVolumeId(volumeId).setStagingTargetPath(path).build();
  }

  static NodeUnpublishVolumeRequest unpublish(String volumeId, String path) {
    return NodeUnpublishVolumeRequest.newBuilder().setVolumeId(volumeId).setTargetPath(path).build();
  }

  static NodeGetVolumeStatsRequest stats(String volumeId, String path) {
    return NodeGetVolumeStatsRequest.newBuilder().setVolumeId(volumeId).setVolumePath(path).build();
  }

  static Stream<Arguments> cases() {
    String stage = "NodeStageVolume";
    String unstage = "NodeUnstageVolume";
    String publish = "NodePublishVolume";
    String unpublish = "NodeUnpublishVolume";
    String stats = "NodeGetVolumeStats";
    return Stream.of(
        c(stage, "volume_id missing", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setVolumeId("").build())),
        c(stage, "volume_id not a DNS-1123 subdomain", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setVolumeId("My_Volume").build())),
        c(stage, "staging_target_path missing", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setStagingTargetPath("").build())),
        c(stage, "staging_target_path relative", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setStagingTargetPath("var/lib/kubelet/x").build())),
        c(stage, "staging_target_path outside the kubelet dir", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setStagingTargetPath("/mnt/stage").build())),
        c(stage, "staging_target_path not normalized", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setStagingTargetPath("/var/lib/kubelet//x/./y").build())),
        c(stage, "volume_capability missing", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().clearVolumeCapability().build())),
        c(stage, "block access: exceeds the volume's capabilities", Given.CLUSTER, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodeStageVolume(stageRequest().setVolumeCapability(block()).build())),
        c(stage, "fs_type ext4: exceeds the volume's capabilities", Given.CLUSTER, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodeStageVolume(stageRequest().setVolumeCapability(ext4()).build())),
        c(stage, "volume_context key missing", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().removeVolumeContext(VolumeContextCodec.IQN).build())),
        c(stage, "volume_context value invalid", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().putVolumeContext(VolumeContextCodec.PORTALS, "x;y").build())),
        c(stage, "mount flag invalid", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().setVolumeCapability(MOUNT.toBuilder()
                .setMount(MOUNT.getMount().toBuilder().addMountFlags("exec=/bin/sh x"))).build())),
        c(stage, "CHAP expected, secrets missing", Given.CLUSTER, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeStageVolume(stageRequest().putVolumeContext(VolumeContextCodec.CHAP, "true").build())),
        c(stage, "the target is not offered: volume does not exist", Given.OTHER_TARGET_OFFERED,
            Status.Code.NOT_FOUND, p -> p.node.nodeStageVolume(stageRequest().build())),
        c(stage, "no such LUN behind the target: volume does not exist", Given.CLUSTER, Status.Code.NOT_FOUND,
            p -> p.node.nodeStageVolume(stageRequest().putVolumeContext(VolumeContextCodec.LUN, "5").build())),
        c(stage, "already staged at another path", Given.STAGED, Status.Code.ALREADY_EXISTS,
            p -> p.node.nodeStageVolume(stageRequest().setStagingTargetPath("/var/lib/kubelet/second").build())),
        c(stage, "no o2cb cluster applied yet", Given.NO_CLUSTER, Status.Code.UNAVAILABLE,
            p -> p.node.nodeStageVolume(stageRequest().build())),
        c(stage, "the volume's record is unreadable", Given.RECORD_UNREADABLE, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodeStageVolume(stageRequest().build())),
        c(stage, "staged again, identically", Given.STAGED, Status.Code.OK,
            p -> p.node.nodeStageVolume(stageRequest().build())),

        c(unstage, "volume_id missing", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnstageVolume(unstage("", STAGING))),
        c(unstage, "staging_target_path missing", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnstageVolume(unstage("mylun", ""))),
        c(unstage, "staging_target_path outside the kubelet dir", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnstageVolume(unstage("mylun", "/mnt/stage"))),
        c(unstage, "still published", Given.PUBLISHED, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodeUnstageVolume(unstage("mylun", STAGING))),
        c(unstage, "the volume's record is unreadable", Given.RECORD_UNREADABLE, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodeUnstageVolume(unstage("mylun", STAGING))),
        c(unstage, "not staged here", Given.CLUSTER, Status.Code.OK,
            p -> p.node.nodeUnstageVolume(unstage("mylun", STAGING))),

        c(publish, "volume_id missing", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodePublishVolume(publishRequest().setVolumeId("").build())),
        c(publish, "staging_target_path not set", Given.STAGED, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodePublishVolume(publishRequest().setStagingTargetPath("").build())),
        c(publish, "target_path missing", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodePublishVolume(publishRequest().setTargetPath("").build())),
        c(publish, "target_path outside the kubelet dir", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodePublishVolume(publishRequest().setTargetPath("/mnt/pod").build())),
        c(publish, "volume_capability missing", Given.STAGED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodePublishVolume(publishRequest().clearVolumeCapability().build())),
        c(publish, "block access: exceeds the volume's capabilities", Given.STAGED, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodePublishVolume(publishRequest().setVolumeCapability(block()).build())),
        c(publish, "fs_type ext4: exceeds the volume's capabilities", Given.STAGED, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodePublishVolume(publishRequest().setVolumeCapability(ext4()).build())),
        c(publish, "volume never staged here", Given.CLUSTER, Status.Code.NOT_FOUND,
            p -> p.node.nodePublishVolume(publishRequest().build())),
        c(publish, "not staged at that staging_target_path", Given.STAGED, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodePublishVolume(publishRequest().setStagingTargetPath("/var/lib/kubelet/other").build())),
        c(publish, "published read-write, asked read-only", Given.PUBLISHED, Status.Code.ALREADY_EXISTS,
            p -> p.node.nodePublishVolume(publishRequest().setReadonly(true).build())),
        c(publish, "another filesystem mounted at target_path", Given.FOREIGN_MOUNT_AT_TARGET,
            Status.Code.FAILED_PRECONDITION, p -> p.node.nodePublishVolume(publishRequest().setTargetPath(FOREIGN)
                .build())),
        c(publish, "published again, identically", Given.PUBLISHED, Status.Code.OK,
            p -> p.node.nodePublishVolume(publishRequest().build())),

        c(unpublish, "volume_id missing", Given.PUBLISHED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnpublishVolume(unpublish("", TARGET_1))),
        c(unpublish, "target_path missing", Given.PUBLISHED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnpublishVolume(unpublish("mylun", ""))),
        c(unpublish, "target_path outside the kubelet dir", Given.PUBLISHED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnpublishVolume(unpublish("mylun", "/mnt/pod"))),
        c(unpublish, "target_path is the staging path", Given.PUBLISHED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeUnpublishVolume(unpublish("mylun", STAGING))),
        c(unpublish, "volume unknown, something mounted at target_path", Given.FOREIGN_MOUNT_AT_TARGET,
            Status.Code.NOT_FOUND, p -> p.node.nodeUnpublishVolume(unpublish("nobody", FOREIGN))),
        c(unpublish, "another filesystem mounted at target_path", Given.FOREIGN_MOUNT_AT_TARGET,
            Status.Code.FAILED_PRECONDITION, p -> p.node.nodeUnpublishVolume(unpublish("mylun", FOREIGN))),
        c(unpublish, "the volume's record is unreadable", Given.RECORD_UNREADABLE, Status.Code.FAILED_PRECONDITION,
            p -> p.node.nodeUnpublishVolume(unpublish("mylun", TARGET_1))),
        c(unpublish, "volume unknown, nothing at target_path", Given.CLUSTER, Status.Code.OK,
            p -> p.node.nodeUnpublishVolume(unpublish("nobody", TARGET_2))),
        c(unpublish, "not published at target_path", Given.STAGED, Status.Code.OK,
            p -> p.node.nodeUnpublishVolume(unpublish("mylun", TARGET_2))),

        c(stats, "volume_id missing", Given.PUBLISHED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeGetVolumeStats(stats("", TARGET_1))),
        c(stats, "volume_path missing", Given.PUBLISHED, Status.Code.INVALID_ARGUMENT,
            p -> p.node.nodeGetVolumeStats(stats("mylun", ""))),
        c(stats, "volume_path relative: the volume is not there", Given.PUBLISHED, Status.Code.NOT_FOUND,
            p -> p.node.nodeGetVolumeStats(stats("mylun", "pods/p1/mount"))),
        c(stats, "volume_path does not exist", Given.PUBLISHED, Status.Code.NOT_FOUND,
            p -> p.node.nodeGetVolumeStats(stats("mylun", TARGET_2))),
        c(stats, "volume_path holds another filesystem", Given.FOREIGN_MOUNT_AT_TARGET, Status.Code.NOT_FOUND,
            p -> p.node.nodeGetVolumeStats(stats("mylun", FOREIGN))),
        c(stats, "volume unknown", Given.CLUSTER, Status.Code.NOT_FOUND,
            p -> p.node.nodeGetVolumeStats(stats("nobody", TARGET_1))),
        c(stats, "published volume", Given.PUBLISHED, Status.Code.OK,
            p -> p.node.nodeGetVolumeStats(stats("mylun", TARGET_1))),

        c("NodeExpandVolume", "not offered", Given.STAGED, Status.Code.UNIMPLEMENTED,
            p -> p.node.nodeExpandVolume(NodeExpandVolumeRequest.newBuilder().setVolumeId("mylun")
                .setVolumePath(TARGET_1).build())));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void answersTheCodeTheSpecPrescribes(String name, Given given, Status.Code expected, Call call) throws Exception {
    ReferenceHost host = new ReferenceHost(root);
    if (given != Given.NO_CLUSTER) {
      host.withClusterApplied();
    }
    try (InProcessPlugin plugin = new InProcessPlugin(host)) {
      given.setUp.accept(plugin);
      host.fake.clearCalls();
      Status.Code actual;
      String description = "";
      try {
        call.on(plugin);
        actual = Status.Code.OK;
      } catch (StatusRuntimeException e) {
        actual = e.getStatus().getCode();
        description = String.valueOf(e.getStatus().getDescription());
      }
      assertThat(actual).as(name + " (" + description + ")").isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("busyCases")
  void abortedWhileAnotherCallHoldsTheVolume(String rpc, Call call) throws Exception {
    ReferenceHost host = new ReferenceHost(root).withClusterApplied();
    try (InProcessPlugin plugin = new InProcessPlugin(host)) {
      Given.PUBLISHED.setUp.accept(plugin);
      try (VolumeLocks.Held held = host.locks.acquire("mylun", "a test holding the volume")) {
        Status.Code actual;
        try {
          call.on(plugin);
          actual = Status.Code.OK;
        } catch (StatusRuntimeException e) {
          actual = e.getStatus().getCode();
        }
        assertThat(actual).as(rpc).isEqualTo(Status.Code.ABORTED);
      }
    }
  }

  static Stream<Arguments> busyCases() {
    return Stream.of(
        Arguments.of("NodeStageVolume", (Call) p -> p.node.nodeStageVolume(stageRequest().build())),
        Arguments.of("NodeUnstageVolume", (Call) p -> p.node.nodeUnstageVolume(unstage("mylun", STAGING))),
        Arguments.of("NodePublishVolume", (Call) p -> p.node.nodePublishVolume(publishRequest().build())),
        Arguments.of("NodeUnpublishVolume", (Call) p -> p.node.nodeUnpublishVolume(unpublish("mylun", TARGET_1))));
  }
}
