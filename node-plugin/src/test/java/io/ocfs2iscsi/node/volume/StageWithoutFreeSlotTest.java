package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node beyond the filesystem's node slots: mount.ocfs2 only says "Internal logic failure ... error 22" (the
 * kernel logs "no free slots available!"); the stage says that every slot is in use, and by whom. Outputs captured
 * on the real kernel (e2e/guest/captured/node-slots), the map's name changed to the reference volume's.
 */
class StageWithoutFreeSlotTest {

  @TempDir Path root;
  ReferenceHost host;

  static String asReference(String captured) {
    // Same column widths: "otherlun" is 3 characters longer than "mylun".
    return captured.replace("/dev/mapper/otherlun", DEVICE + "   ");
  }

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    host.fake.onPrefix("mount", "-t", "ocfs2").reply(Reply.fail(1,
        captured("e2e/node-slots/mount-ocfs2-no-free-slot.stderr.txt").replace("/dev/mapper/otherlun", DEVICE)
            .replace("/tmp/slots-mnt", STAGING)));
    host.fake.on("tunefs.ocfs2", "-Q", "%N\\n", DEVICE)
        .reply(Reply.ok(captured("e2e/node-slots/tunefs-ocfs2-Q-one-slot.txt")));
    host.fake.on("mounted.ocfs2", "-f", DEVICE)
        .reply(Reply.ok(asReference(captured("e2e/node-slots/mounted-ocfs2-f-one-slot-taken.txt"))));
  }

  Requests.Stage stage() {
    return new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of());
  }

  @Test
  void everySlotInUseIsAFailedPreconditionNamingTheNodesThatHoldThem() {
    assertThatThrownBy(() -> host.stager.stage(stage()))
        .isInstanceOf(NodeException.class)
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("all 1 node slots of the OCFS2 filesystem on " + DEVICE + " are in use (mounted on"
            + " node1)")
        .hasMessageContaining("Internal logic failure");
  }

  @Test
  void aMountFailureWithASlotFreeStaysTheToolsFailure() {
    host.fake.on("tunefs.ocfs2", "-Q", "%N\\n", DEVICE)
        .reply(Reply.ok(captured("e2e/node-slots/tunefs-ocfs2-Q-two-slots.txt")));

    assertThatThrownBy(() -> host.stager.stage(stage()))
        .isInstanceOf(ToolFailure.class)
        .hasMessageContaining("Internal logic failure")
        .hasMessageNotContaining("node slots");
  }
}
