package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeExpanderTest {

  static final long GIB = 1L << 30;

  @TempDir Path root;
  ReferenceHost host;
  /** What the LUN reports to a rescan, per session: the SAN grew it to 3 GiB. */
  final Map<Integer, Long> lunAfterRescan = new java.util.HashMap<>(Map.of(1, 3 * GIB, 2, 3 * GIB));
  long filesystemBytes = 2 * GIB - 64 * (1L << 20);

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    size("sdc", 2 * GIB);
    size("sdd", 2 * GIB);
    size("dm-0", 2 * GIB);
    // The kernel re-reads the capacity of the session's disks on a rescan.
    host.fake.onPrefix("iscsiadm", "-m", "session", "-r").answer(argv -> {
      int sid = Integer.parseInt(argv.get(4));
      host.tools.sysfs().disks(sid, 0).forEach(d -> size(d.device(), lunAfterRescan.get(sid)));
      return Reply.ok(captured("e2e-growth/iscsiadm-session-rescan.txt").replace("sid: 5", "sid: " + sid));
    });
    host.fake.on("multipathd", "resize", "map", "mylun").answer(argv -> {
      size("dm-0", Long.parseLong(host.read("/sys/block/sdc/size").strip()) * 512);
      return Reply.ok(captured("e2e-growth/multipathd-resize-map.txt"));
    });
    host.fake.on("tunefs.ocfs2", "-S", ReferenceHost.DEVICE).answer(argv -> {
      filesystemBytes = Long.parseLong(host.read("/sys/block/dm-0/size").strip()) * 512 - 64 * (1L << 20);
      return Reply.ok(captured("e2e-growth/tunefs-ocfs2-S-same-size.txt"));
    });
    host.fake.onPrefix("stat", "-f").answer(argv ->
        Reply.ok("4096 " + filesystemBytes / 4096 + " 4000 4000 1310720 1310000\n"));
    host.fake.clearCalls();
  }

  /** The kernel's size of a block device: 512-byte sectors in /sys/block/{dev}/size. */
  void size(String dev, long bytes) {
    host.write("/sys/block/" + dev + "/size", (bytes / 512) + "\n");
  }

  @Test
  void rescansEverySessionResizesTheMapAndGrowsTheMountedFilesystem() {
    VolumeExpander.Result r = host.expander.expand(ReferenceHost.spec(), true, Cancellation.NONE);

    assertThat(r.staged()).isTrue();
    assertThat(r.pathBytes()).containsEntry("sdc", 3 * GIB).containsEntry("sdd", 3 * GIB);
    assertThat(r.mapBytes()).isEqualTo(3 * GIB);
    assertThat(r.grown()).isTrue();
    assertThat(r.filesystemBytes()).isEqualTo(3 * GIB - 64 * (1L << 20));
    List<String> calls = host.fake.calls();
    assertThat(calls).contains("iscsiadm -m session -r 1 --rescan", "iscsiadm -m session -r 2 --rescan",
        "multipathd resize map mylun", "tunefs.ocfs2 -S /dev/mapper/mylun");
    assertThat(calls.indexOf("multipathd resize map mylun"))
        .isGreaterThan(calls.indexOf("iscsiadm -m session -r 2 --rescan"))
        .isLessThan(calls.indexOf("tunefs.ocfs2 -S /dev/mapper/mylun"));
  }

  @Test
  void withoutGrowOnlyTheNodesViewOfTheLunGrows() {
    VolumeExpander.Result r = host.expander.expand(ReferenceHost.spec(), false, Cancellation.NONE);

    assertThat(r.mapBytes()).isEqualTo(3 * GIB);
    assertThat(r.grown()).isFalse();
    assertThat(r.filesystemBytes()).isEqualTo(2 * GIB - 64 * (1L << 20));
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("tunefs.ocfs2"));
  }

  @Test
  void aMapAlreadyAtTheLunsSizeIsNotResizedAgain() {
    host.expander.expand(ReferenceHost.spec(), false, Cancellation.NONE);
    host.fake.clearCalls();

    VolumeExpander.Result r = host.expander.expand(ReferenceHost.spec(), false, Cancellation.NONE);

    assertThat(r.mapBytes()).isEqualTo(3 * GIB);
    assertThat(host.fake.calls()).doesNotContain("multipathd resize map mylun");
  }

  @Test
  void pathsThatDisagreeOnTheSizeLeaveTheMapAlone() {
    lunAfterRescan.put(2, 2 * GIB);

    assertThatThrownBy(() -> host.expander.expand(ReferenceHost.spec(), true, Cancellation.NONE))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("disagree on the LUN's size")
        .hasMessageContaining("sdc " + 3 * GIB + " bytes")
        .hasMessageContaining("sdd " + 2 * GIB + " bytes");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("multipathd resize") || c.startsWith("tunefs"));
  }

  @Test
  void multipathdRefusingTheResizeIsAFailureNotASuccess() {
    host.fake.on("multipathd", "resize", "map", "mylun").reply(Reply.ok("fail\n"));

    assertThatThrownBy(() -> host.expander.expand(ReferenceHost.spec(), true, Cancellation.NONE))
        .isInstanceOf(ToolFailure.class)
        .hasMessageContaining("resizing multipath map mylun");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("tunefs"));
  }

  @Test
  void aNodeThatDoesNotStageTheVolumeDoesNothing() {
    host.stager.unstage(new Requests.Unstage("mylun", STAGING));
    host.fake.clearCalls();

    VolumeExpander.Result r = host.expander.expand(ReferenceHost.spec(), false, Cancellation.NONE);

    assertThat(r.staged()).isFalse();
    assertThat(r.mapBytes()).isZero();
    assertThat(host.fake.calls()).isEmpty();
    assertThatThrownBy(() -> host.expander.expand(ReferenceHost.spec(), true, Cancellation.NONE))
        .isInstanceOf(NodeException.class)
        .satisfies(e -> assertThat(((NodeException) e).code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("not staged on this node");
  }
}
