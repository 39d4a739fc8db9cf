package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import org.junit.jupiter.api.Test;

/** wipefs' listing, on outputs captured from util-linux 2.38 (captured/util-linux/README.md). */
class WipefsTest {

  @Test
  void aBlankDeviceListsNothing() {
    assertThat(captured("util-linux/wipefs-blank.txt")).isEmpty();
    assertThat(Wipefs.parse(captured("util-linux/wipefs-blank.txt"))).isEmpty();
  }

  @Test
  void oneSignaturePerLine() {
    assertThat(Wipefs.parse(captured("util-linux/wipefs-ext4.txt")))
        .containsExactly(new Wipefs.Signature("0x438", "ext4"));
    assertThat(Wipefs.parse(captured("util-linux/wipefs-swap.txt")))
        .containsExactly(new Wipefs.Signature("0xff6", "swap"));
    assertThat(Wipefs.parse(captured("util-linux/wipefs-ext4-dos.txt")))
        .containsExactly(new Wipefs.Signature("0x438", "ext4"), new Wipefs.Signature("0x1fe", "dos"));
    assertThat(new Wipefs.Signature("0x1fe", "dos").describe()).isEqualTo("dos at offset 0x1fe");
  }

  @Test
  void aLineOfAnotherShapeIsStillASignature() {
    assertThat(Wipefs.parse("0x0\n")).containsExactly(new Wipefs.Signature("0x0", "unknown"));
  }

  @Test
  void listsWithoutWritingAndFailsWhenItCannotProbe() {
    FakeCommandRunner fake = new FakeCommandRunner();
    String[] argv = {"wipefs", "--no-act", "--noheadings", "--output", "OFFSET,TYPE", "/dev/mapper/mylun"};
    fake.on(argv).reply(0, captured("util-linux/wipefs-ext4.txt"), "");

    assertThat(new Wipefs(fake).signatures("/dev/mapper/mylun")).extracting(Wipefs.Signature::type)
        .containsExactly("ext4");

    fake.on(argv).reply(1, "", captured("util-linux/wipefs-no-device.stderr.txt"));
    assertThatThrownBy(() -> new Wipefs(fake).signatures("/dev/mapper/mylun"))
        .isInstanceOf(ToolFailure.class)
        .hasMessageContaining("exited 1")
        .hasMessageContaining("probing initialization failed: No such file or directory");
  }
}
