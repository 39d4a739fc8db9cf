package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/** tunefs.ocfs2 -N and -Q '%N\n', on outputs captured on the real kernel. */
class NodeSlotsToolsTest {

  static final String DEVICE = "/dev/mapper/mylun";

  @Test
  void theQueriedSlotCountIsParsed() {
    assertThat(TunefsOcfs2.parseNodeSlots(captured("e2e-growth/tunefs-ocfs2-Q-slots.txt"))).hasValue(4);
    assertThat(TunefsOcfs2.parseNodeSlots(captured("e2e/node-slots/tunefs-ocfs2-Q-one-slot.txt"))).hasValue(1);
    assertThat(TunefsOcfs2.parseNodeSlots(captured("e2e/node-slots/tunefs-ocfs2-Q-two-slots.txt"))).hasValue(2);
    assertThat(TunefsOcfs2.parseNodeSlots("")).isEmpty();
    assertThat(TunefsOcfs2.parseNodeSlots("0\n")).isEmpty();
    assertThat(TunefsOcfs2.parseNodeSlots("tunefs.ocfs2 1.8.7\n")).isEmpty();
  }

  @Test
  void slotsAreSetAndQueriedWithArgumentVectors() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("tunefs.ocfs2", "-N", "2", DEVICE).reply(Reply.ok(""));
    fake.on("tunefs.ocfs2", "-Q", "%N\\n", DEVICE).reply(Reply.ok(captured("e2e-growth/tunefs-ocfs2-Q-slots.txt")));
    TunefsOcfs2 tunefs = new TunefsOcfs2(fake);

    tunefs.setNodeSlots(2, DEVICE);

    assertThat(tunefs.nodeSlots(DEVICE)).isEqualTo(4);
    assertThat(fake.argvs()).containsExactly(
        List.of("tunefs.ocfs2", "-N", "2", DEVICE), List.of("tunefs.ocfs2", "-Q", "%N\\n", DEVICE));
  }

  @Test
  void theRefusalOfAMountedFilesystemIsAFailedPrecondition() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("tunefs.ocfs2", "-N", "5", DEVICE).reply(Reply.fail(25,
        captured("e2e-growth/tunefs-ocfs2-N-mounted.stderr.txt")));

    assertThatThrownBy(() -> new TunefsOcfs2(fake).setNodeSlots(5, DEVICE))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("while a node of the cluster mounts it");
  }

  /** From a node that does not mount it, while another node does: the same refusal, cluster-wide. */
  @Test
  void theRefusalSeenFromANodeThatDoesNotMountItIsAFailedPreconditionToo() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("tunefs.ocfs2", "-N", "2", "/dev/mapper/otherlun").reply(Reply.fail(25,
        captured("e2e/node-slots/tunefs-ocfs2-N-other-node-mounts.stderr.txt")));

    assertThatThrownBy(() -> new TunefsOcfs2(fake).setNodeSlots(2, "/dev/mapper/otherlun"))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("Trylock failed while opening device \"/dev/mapper/otherlun\"");
  }

  @Test
  void aQueryWithoutACountFails() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("tunefs.ocfs2", "-Q", "%N\\n", DEVICE).reply(Reply.ok("\n"));

    assertThatThrownBy(() -> new TunefsOcfs2(fake).nodeSlots(DEVICE)).isInstanceOf(ToolFailure.class)
        .hasMessageContaining("no count in its output");
  }
}
