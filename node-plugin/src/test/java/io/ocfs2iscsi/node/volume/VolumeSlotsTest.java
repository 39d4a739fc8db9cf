package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeSlotsTest {

  static final String SET_5 = "tunefs.ocfs2 -N 5 " + DEVICE;

  @TempDir Path root;
  ReferenceHost host;
  /** The superblock's slot count, as tunefs.ocfs2 -Q '%N\n' prints it (captured: "4\n"). */
  int slots = 4;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    host.fake.on("tunefs.ocfs2", "-Q", "%N\\n", DEVICE).answer(a ->
        Reply.ok(captured("e2e-growth/tunefs-ocfs2-Q-slots.txt").replace("4", Integer.toString(slots))));
    host.fake.onPrefix("tunefs.ocfs2", "-N").answer(a -> {
      slots = Integer.parseInt(a.get(2));
      return Reply.ok("");
    });
  }

  VolumeSlots.Result set(int n) {
    return host.slots.setNodeSlots(ReferenceHost.spec(), n, Map.of(), Cancellation.NONE);
  }

  @Test
  void addsSlotsFromANodeThatDoesNotMountItAndDetachesAgain() {
    VolumeSlots.Result r = set(5);

    assertThat(r.before()).isEqualTo(4);
    assertThat(r.after()).isEqualTo(5);
    assertThat(r.changed()).isTrue();
    assertThat(r.device()).isEqualTo(DEVICE);
    List<String> calls = host.fake.calls();
    assertThat(calls).containsSubsequence("blkid -p -o export " + DEVICE, "tunefs.ocfs2 -Q %N\\n " + DEVICE, SET_5,
        "tunefs.ocfs2 -Q %N\\n " + DEVICE);
    assertThat(calls).filteredOn(c -> c.startsWith("iscsiadm") && c.contains("--logout")).isNotEmpty();
    assertThat(host.mapBuilt).as("the map this call built is gone again").isFalse();
  }

  @Test
  void theFilesystemsOwnCountChangesNothing() {
    VolumeSlots.Result r = set(4);

    assertThat(r.changed()).isFalse();
    assertThat(r.after()).isEqualTo(4);
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("tunefs.ocfs2 -N"));
  }

  @Test
  void fewerSlotsThanTheFilesystemHasAreRefused() {
    assertThatThrownBy(() -> set(2))
        .isInstanceOf(NodeException.class)
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("node_slots 2 is below the 4 node slots")
        .hasMessageContaining("can only be added");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("tunefs.ocfs2 -N"));
  }

  @Test
  void aCountOutsideOcfs2sLimitIsRefusedBeforeAnythingRuns() {
    assertThatThrownBy(() -> set(256))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT))
        .hasMessageContaining("node_slots must be between 1 and 255");
    assertThat(host.fake.calls()).isEmpty();
  }

  @Test
  void aNodeThatMountsTheVolumeRefusesAndNamesTheMount() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.fake.clearCalls();

    assertThatThrownBy(() -> set(5))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("is mounted on this node (" + DEVICE + " at " + STAGING + ")");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("tunefs.ocfs2") || c.startsWith("iscsiadm"));
  }

  /**
   * The real refusal of tunefs.ocfs2 -N on a node that does not mount the filesystem while another node does
   * (captured on node2 while node1 mounted it, exit 25).
   */
  @Test
  void anotherNodesMountIsAFailedPreconditionWithTunefssWords() {
    host.fake.onPrefix("tunefs.ocfs2", "-N").reply(Reply.fail(25,
        captured("e2e/node-slots/tunefs-ocfs2-N-other-node-mounts.stderr.txt")
            .replace("/dev/mapper/otherlun", DEVICE)));

    assertThatThrownBy(() -> set(5))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("while a node of the cluster mounts it")
        .hasMessageContaining("Trylock failed while opening device \"/dev/mapper/mylun\"");
    assertThat(host.mapBuilt).as("detached after the refusal too").isFalse();
  }

  @Test
  void otherTunefsFailuresAreNotMistakenForAMount() {
    host.fake.onPrefix("tunefs.ocfs2", "-N").reply(Reply.fail(1, "tunefs.ocfs2: No space left on device\n"));

    assertThatThrownBy(() -> set(5))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.INTERNAL))
        .hasMessageContaining("No space left on device");
  }

  @Test
  void aLunWithoutOcfs2IsRefused() {
    host.filesystem = null;

    assertThatThrownBy(() -> set(5))
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("carries no OCFS2 filesystem (no signature)");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("tunefs.ocfs2"));
  }
}
