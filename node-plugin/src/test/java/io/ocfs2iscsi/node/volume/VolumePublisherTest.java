package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_2;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumePublisherTest {

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void stage() {
    host = new ReferenceHost(root).withClusterApplied();
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.fake.clearCalls();
  }

  @Test
  void publishBindMountsTheStagedFilesystemOnce() {
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));

    assertThat(host.fake.calls())
        .containsExactly("mount --bind " + STAGING + " " + TARGET_1, "mount -o remount,bind,nosuid,nodev " + TARGET_1);
    assertThat(host.exists(TARGET_1)).isTrue();
    assertThat(host.state.volume("mylun").orElseThrow().publishes()).containsEntry(TARGET_1, false);
  }

  @Test
  void readOnlyPublishIsRemountedReadOnly() {
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_2, true, List.of()));

    assertThat(host.fake.calls())
        .containsExactly(
            "mount --bind " + STAGING + " " + TARGET_2, "mount -o remount,bind,nosuid,nodev,ro " + TARGET_2);
    assertThat(host.mountTable()).anyMatch(l -> l.startsWith(DEVICE + " " + TARGET_2 + " ocfs2 ro,nosuid,nodev,"));
  }

  @Test
  void publishingAgainWithAnotherReadOnlyFlagIsAlreadyExists() {
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));

    assertThatThrownBy(() -> host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, true, List.of())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.ALREADY_EXISTS));
  }

  @Test
  void unknownVolumeIsNotFoundAndUnstagedIsFailedPrecondition() {
    assertThatThrownBy(
            () -> host.publisher.publish(new Requests.Publish("nobody", STAGING, TARGET_1, false, List.of())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.NOT_FOUND));
    assertThatThrownBy(
            () -> host.publisher.publish(
                new Requests.Publish("mylun", "/var/lib/kubelet/elsewhere", TARGET_1, false, List.of())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("not staged");
    assertThat(host.fake.calls()).isEmpty();
  }

  @Test
  void unpublishUnmountsAndRemovesTheTargetAndIsIdempotent() {
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
    host.fake.clearCalls();

    host.publisher.unpublish(new Requests.Unpublish("mylun", TARGET_1));
    host.publisher.unpublish(new Requests.Unpublish("mylun", TARGET_1));
    host.publisher.unpublish(new Requests.Unpublish("mylun", TARGET_2));

    assertThat(host.fake.calls()).containsExactly("umount " + TARGET_1);
    assertThat(host.exists(TARGET_1)).isFalse();
    assertThat(host.state.volume("mylun").orElseThrow().publishes()).isEmpty();
  }

  @Test
  void afterUnpublishTheVolumeCanBeUnstaged() {
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
    host.publisher.unpublish(new Requests.Unpublish("mylun", TARGET_1));

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.state.volume("mylun")).isEmpty();
  }

  @Test
  void missingTargetPathIsInvalid() {
    assertThatThrownBy(() -> host.publisher.publish(new Requests.Publish("mylun", STAGING, "", false, List.of())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> host.publisher.unpublish(new Requests.Unpublish("", TARGET_1)))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT));
  }
}
