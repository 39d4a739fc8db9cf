package io.ocfs2iscsi.node.grpc;

import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static org.assertj.core.api.Assertions.assertThat;

import csi.v1.VolumeCapability;
import io.ocfs2iscsi.contract.VolumeContextCodec;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pod's mount of the shared filesystem is nosuid,nodev: a set-user-ID file or a device node written by one pod
 * (on any node) gives no other pod privileges. A volume opts out with the mount option suid and/or dev, in the
 * volume's mount options or in the capability's mount_flags (a PV's mountOptions).
 */
class PublishMountFlagsTest {

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

  private static VolumeCapability withFlags(String... flags) {
    return NodeServiceTest.MOUNT.toBuilder()
        .setMount(NodeServiceTest.MOUNT.getMount().toBuilder().addAllMountFlags(List.of(flags)))
        .build();
  }

  private List<String> publishCalls(VolumeCapability capability) {
    plugin.node.nodeStageVolume(NodeServiceTest.stageRequest().setVolumeCapability(capability).build());
    plugin.host.fake.clearCalls();
    plugin.node.nodePublishVolume(NodeServiceTest.publishRequest().setVolumeCapability(capability).build());
    return plugin.host.fake.calls();
  }

  private String publishedOptions() {
    return plugin.host.mountTable().stream().filter(l -> l.startsWith(DEVICE + " " + TARGET_1 + " "))
        .map(l -> l.split(" ")[3]).findFirst().orElseThrow();
  }

  @Test
  void podMountsAreNosuidNodevByDefault() {
    assertThat(publishCalls(NodeServiceTest.MOUNT)).containsExactly(
        "mount --bind " + ReferenceHost.STAGING + " " + TARGET_1,
        "mount -o remount,bind,nosuid,nodev " + TARGET_1);
    assertThat(List.of(publishedOptions().split(","))).contains("nosuid", "nodev");
  }

  @Test
  void suidInTheMountFlagsKeepsSetUserIdFiles() {
    assertThat(publishCalls(withFlags("suid"))).contains("mount -o remount,bind,nodev " + TARGET_1);
    assertThat(List.of(publishedOptions().split(","))).contains("nodev").doesNotContain("nosuid");
  }

  @Test
  void suidAndDevInTheMountFlagsLeaveTheBindMountAsItIs() {
    assertThat(publishCalls(withFlags("suid", "dev")))
        .containsExactly("mount --bind " + ReferenceHost.STAGING + " " + TARGET_1);
    assertThat(List.of(publishedOptions().split(","))).doesNotContain("nosuid", "nodev");
  }

  @Test
  void devInTheVolumesMountOptionsKeepsDeviceFiles() {
    plugin.node.nodeStageVolume(NodeServiceTest.stageRequest()
        .putVolumeContext(VolumeContextCodec.MOUNT_OPTIONS, "noatime,acl,user_xattr,dev").build());
    plugin.host.fake.clearCalls();
    plugin.node.nodePublishVolume(NodeServiceTest.publishRequest()
        .putVolumeContext(VolumeContextCodec.MOUNT_OPTIONS, "noatime,acl,user_xattr,dev").build());

    assertThat(plugin.host.fake.calls()).contains("mount -o remount,bind,nosuid " + TARGET_1);
    assertThat(List.of(publishedOptions().split(","))).contains("nosuid").doesNotContain("nodev");
  }
}
