package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One unreadable state record on the node: its volume's calls fail clearly, every other volume keeps working. */
class StateQuarantineTest {

  static final String OTHER_STAGING = "/var/lib/kubelet/plugins/kubernetes.io/csi/csi.ocfs2iscsi.io/9a7b/globalmount";

  @TempDir Path root;
  ReferenceHost host;
  Path garbage;

  @BeforeEach
  void setUp() throws Exception {
    host = new ReferenceHost(root).withClusterApplied();
    garbage = host.state.dir().resolve("volumes/vol-a.properties");
    Files.createDirectories(garbage.getParent());
    Files.writeString(garbage, "volumeId=vol-a\nphase=STAG\u0000\u0000\u0000");
  }

  static VolumeSpec volumeA() {
    return ReferenceHost.spec().toBuilder().setVolumeId("vol-a").build();
  }

  @Test
  void anotherVolumeStagesPublishesAndUnstages() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
    host.publisher.unpublish(new Requests.Unpublish("mylun", TARGET_1));
    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.state.volume("mylun")).isEmpty();
    assertThat(host.mountTable()).noneMatch(l -> l.contains("/var/lib/kubelet"));
    assertThat(host.loggedIn)
        .as("vol-a's record is unreadable: its sessions are unknown, so no session is logged out")
        .isNotEmpty();
  }

  @Test
  void theVolumeOfTheUnreadableRecordFailsWithTheQuarantinedFileNamed() throws Exception {
    expectQuarantined(
        () -> host.stager.stage(new Requests.Stage("vol-a", OTHER_STAGING, volumeA(), Map.of(), List.of())));
    expectQuarantined(() -> host.stager.unstage(new Requests.Unstage("vol-a", OTHER_STAGING)));
    expectQuarantined(
        () -> host.publisher.publish(new Requests.Publish("vol-a", OTHER_STAGING, TARGET_1, false, List.of())));
    expectQuarantined(() -> host.publisher.unpublish(new Requests.Unpublish("vol-a", TARGET_1)));
    expectQuarantined(() -> host.formatter.format(volumeA(), Map.of()));

    assertThat(garbage).doesNotExist();
    try (Stream<Path> files = Files.list(garbage.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .singleElement().asString().startsWith("vol-a.properties.corrupt-");
    }
    assertThat(host.fake.calls()).isEmpty();
  }

  private void expectQuarantined(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining(garbage.getParent().resolve("vol-a.properties.corrupt-").toString());
  }
}
