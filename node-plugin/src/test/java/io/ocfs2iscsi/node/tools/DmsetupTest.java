package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import org.junit.jupiter.api.Test;

/**
 * dmsetup info. The outputs of an existing and a missing map are built from dmsetup's printf formats (lvm2
 * dmsetup.c, {@code _display_info_long}); the machine the fixtures were captured on has no device-mapper (see
 * captured/host/README.md). The no-driver answer and the version are real.
 */
class DmsetupTest {

  /** A multipath map mounted once with its o2cb heartbeat region running: open twice. */
  static final String MYLUN_OPEN_TWICE =
      "Name:              mylun\n"
          + "State:             ACTIVE\n"
          + "Read Ahead:        256\n"
          + "Tables present:    LIVE\n"
          + "Open count:        2\n"
          + "Event number:      0\n"
          + "Major, minor:      253, 0\n"
          + "Number of targets: 1\n"
          + "UUID: mpath-360000000000000000e00000000010001\n";

  FakeCommandRunner fake = new FakeCommandRunner();
  Dmsetup dmsetup = new Dmsetup(fake);

  @Test
  void openCountAndDeviceNumberOfAMap() {
    fake.on("dmsetup", "info", "mylun").reply(Reply.ok(MYLUN_OPEN_TWICE));

    assertThat(dmsetup.info("mylun")).contains(new Dmsetup.Info("mylun", 2, 253, 0));
    assertThat(dmsetup.info("mylun").orElseThrow().deviceNumber()).isEqualTo("253:0");
  }

  @Test
  void aMissingMapIsEmptyWhateverTheExitCode() {
    fake.on("dmsetup", "info", "gone").reply(Reply.ok("Device does not exist.\n"));
    fake.on("dmsetup", "info", "gone2").reply(new Reply(1, "Device does not exist.\n", "Command failed.\n"));

    assertThat(dmsetup.info("gone")).isEmpty();
    assertThat(dmsetup.info("gone2")).isEmpty();
  }

  @Test
  void withoutTheKernelDriverItIsAFailureNotAnUnusedMap() {
    fake.on("dmsetup", "info", "mylun")
        .reply(new Reply(1, "", captured("host/dmsetup-info-no-driver.stderr.txt")));

    assertThatThrownBy(() -> dmsetup.info("mylun"))
        .isInstanceOf(ToolFailure.class)
        .hasMessageContaining("open count of device-mapper map mylun")
        .hasMessageContaining("Failure to communicate with kernel device-mapper driver");
  }

  @Test
  void anAnswerWithoutAnOpenCountConcludesNothing() {
    fake.on("dmsetup", "info", "mylun")
        .reply(Reply.ok(MYLUN_OPEN_TWICE.replace("Open count:        2\n", "")));

    assertThatThrownBy(() -> dmsetup.info("mylun")).isInstanceOf(ToolFailure.class).hasMessageContaining("no `Open");
  }

  @Test
  void versionIsTheLibraryLine() {
    fake.on("dmsetup", "--version").reply(Reply.ok(captured("host/dmsetup-version.txt")));

    assertThat(dmsetup.version().stdout()).startsWith("Library version:   1.02.185");
  }
}
