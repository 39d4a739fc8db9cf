package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import java.util.List;
import org.junit.jupiter.api.Test;

/** dlm_tool, replaying outputs captured in the real-kernel guests (captured/e2e/user-stack). */
class DlmToolTest {

  private static final String DIR = "e2e/user-stack/";

  FakeCommandRunner fake = new FakeCommandRunner();
  DlmTool dlm = new DlmTool(fake);

  @Test
  void statusOfTwoJoinedMembers() {
    fake.on("dlm_tool", "status").reply(0, captured(DIR + "dlm-tool-status.txt"), "");

    assertThat(dlm.status()).contains(new DlmTool.Status(1, true, List.of(1, 2)));
  }

  @Test
  void aMemberThatLeftIsNotCounted() {
    fake.on("dlm_tool", "status").reply(0, captured(DIR + "dlm-tool-status-peer-left.txt"), "");

    assertThat(dlm.status()).contains(new DlmTool.Status(1, true, List.of(1)));
  }

  @Test
  void theOtherNodesDaemonStopped() {
    fake.on("dlm_tool", "status").reply(0, captured(DIR + "dlm-tool-status-other-node-stopped.txt"), "");

    assertThat(dlm.status()).contains(new DlmTool.Status(2, true, List.of(2)));
  }

  @Test
  void noDaemonAlthoughTheExitCodeIsZero() {
    fake.on("dlm_tool", "status").reply(0, captured(DIR + "dlm-tool-status-no-daemon.txt"), "");

    assertThat(dlm.status()).isEmpty();
  }

  @Test
  void lockspacesWithTheirMembers() {
    fake.on("dlm_tool", "ls").reply(0, captured(DIR + "dlm-tool-ls.txt"), "");

    assertThat(dlm.lockspaces())
        .containsExactly(new DlmTool.Lockspace("5ABFB082A0BD4B7C9BA687B3C2ECB149", List.of(1, 2)));
  }

  @Test
  void noLockspaces() {
    fake.on("dlm_tool", "ls").reply(0, captured(DIR + "dlm-tool-ls-empty.txt"), "");

    assertThat(dlm.lockspaces()).isEmpty();
  }

  @Test
  void startsDetachedWithoutSystemdAndThroughTheUnitWithIt() {
    fake.on("dlm_controld").reply(0, "", "");
    fake.on("systemctl", "start", "dlm.service").reply(0, "", "");

    dlm.start(false);
    dlm.start(true);

    assertThat(fake.calls()).containsExactly("dlm_controld", "systemctl start dlm.service");
  }
}
