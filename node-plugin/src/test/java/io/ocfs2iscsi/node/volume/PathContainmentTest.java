package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin unmounts and removes only what it made: publish and staging paths below the kubelet directory, and at
 * a publish path only a bind mount of a volume it staged. Everything else is refused before the host is touched.
 */
class PathContainmentTest {

  static final String FOREIGN_POD_MOUNT = "/var/lib/kubelet/pods/p9/volumes/kubernetes.io~csi/other/mount";

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void stage() {
    host = new ReferenceHost(root).withClusterApplied();
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.fake.clearCalls();
  }

  private void foreignMount(String source, String mountPoint, String fsType) {
    host.files.createDirectories(mountPoint);
    host.write("/proc/self/mounts",
        host.read("/proc/self/mounts") + source + " " + mountPoint + " " + fsType + " rw,relatime 0 0\n");
  }

  @Test
  void unpublishOfAnUnknownVolumeLeavesWhatIsMountedAtTheTarget() {
    foreignMount("/dev/sdz1", FOREIGN_POD_MOUNT, "ext4");

    expect(NodeException.Code.NOT_FOUND, () -> host.publisher.unpublish(new Requests.Unpublish("nobody",
        FOREIGN_POD_MOUNT)), "nobody");

    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.exists(FOREIGN_POD_MOUNT)).isTrue();
    assertThat(host.mountTable()).contains("/dev/sdz1 " + FOREIGN_POD_MOUNT + " ext4 rw,relatime 0 0");
  }

  @Test
  void unpublishOfAnUnknownVolumeWithNothingMountedChangesNothing() {
    host.files.createDirectories(FOREIGN_POD_MOUNT);

    host.publisher.unpublish(new Requests.Unpublish("nobody", FOREIGN_POD_MOUNT));

    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.exists(FOREIGN_POD_MOUNT)).as("not created by this plugin: left to kubelet").isTrue();
  }

  @Test
  void pathsOutsideTheKubeletDirAreRefusedBeforeAnythingIsTouched() {
    foreignMount("/dev/sdz1", "/srv/data", "ext4");

    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.unpublish(new Requests.Unpublish("nobody", "/srv/data")), "/var/lib/kubelet");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.unpublish(new Requests.Unpublish("mylun", "/srv/data")), "target_path");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.publish(new Requests.Publish("mylun", STAGING, "/srv/pod", false, List.of())),
        "target_path");
    expect(NodeException.Code.INVALID_ARGUMENT, () -> host.publisher.publish(
        new Requests.Publish("mylun", STAGING, "/var/lib/kubelet-other/pods/p1/mount", false, List.of())),
        "target_path");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.publish(new Requests.Publish("mylun", STAGING, "/var/lib/kubelet", false, List.of())),
        "target_path");
    expect(NodeException.Code.INVALID_ARGUMENT, () -> host.stager.stage(
        new Requests.Stage("vol-b", "/srv/stage", ReferenceHost.spec().toBuilder().setVolumeId("vol-b").build(),
            Map.of(), List.of())), "staging_target_path");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.stager.unstage(new Requests.Unstage("vol-b", "/srv/data")), "staging_target_path");

    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.mountTable()).contains("/dev/sdz1 /srv/data ext4 rw,relatime 0 0");
    assertThat(host.exists("/srv/data")).isTrue();
    assertThat(host.exists("/srv/pod")).isFalse();
  }

  @Test
  void aSymbolicLinkBelowTheKubeletDirDoesNotLeadOutOfIt() throws Exception {
    host.files.createDirectories("/etc/cron.d");
    host.files.createDirectories("/var/lib/kubelet/pods");
    Files.createSymbolicLink(host.files.resolve("/var/lib/kubelet/pods/p3"), host.files.resolve("/etc"));
    String target = "/var/lib/kubelet/pods/p3/cron.d";

    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.publish(new Requests.Publish("mylun", STAGING, target, false, List.of())),
        "symbolic link");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.unpublish(new Requests.Unpublish("mylun", target)), "symbolic link");

    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.exists("/etc/cron.d")).isTrue();
  }

  @Test
  void theStagingPathIsNeverPublishedOverNorUnpublished() {
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
    host.fake.clearCalls();

    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.unpublish(new Requests.Unpublish("mylun", STAGING)), "staging path");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.publish(new Requests.Publish("mylun", STAGING, STAGING, false, List.of())),
        "staging path");
    expect(NodeException.Code.INVALID_ARGUMENT,
        () -> host.publisher.publish(new Requests.Publish("mylun", STAGING, STAGING + "/pod", false, List.of())),
        "staging path");

    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.mountTable()).anyMatch(l -> l.startsWith(DEVICE + " " + STAGING + " ocfs2 "));
    assertThat(host.state.volume("mylun").orElseThrow().publishes()).containsOnlyKeys(TARGET_1);
  }

  @Test
  void unstageOfAnotherVolumeIdLeavesThisVolumesStagingMount() {
    host.stager.unstage(new Requests.Unstage("nobody", STAGING));

    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("umount"));
    assertThat(host.mountTable()).anyMatch(l -> l.startsWith(DEVICE + " " + STAGING + " ocfs2 "));
  }

  private static void expect(NodeException.Code code, ThrowingCallable call, String inMessage) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(code))
        .hasMessageContaining(inMessage);
  }
}
