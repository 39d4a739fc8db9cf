package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The failure report's view of a guest console: CI keeps the report, not the console. */
class HostCommandsTest {

  @Test
  void aPanickedGuestsConsoleShowsWhyInTheFailureReportEvenWithBytesThatAreNotUtf8(@TempDir Path dir)
      throws Exception {
    Path console = dir.resolve("console.log");
    // Lines as a guest prints them; a stray 0xff byte from the serial line made a UTF-8 read throw.
    Files.write(console, ("[ 10.1] connection1:0: detected conn error (1020)\n"
        + "[ 11.0] iscsid: \u00ff garbage\n"
        + "[ 12.0] sd 2:0:0:1: rejecting I/O to offline device\n"
        + "[ 40.2] (dd,812,0):__ocfs2_abort:2202 ERROR: Aborting journal on device dm-0\n"
        + "[ 40.3] Kernel panic - not syncing: OCFS2: (device dm-0): panic forced after error\n")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    String trouble = HostCommands.lastLines(console, 12, PluginBed.KERNEL_TROUBLE);

    assertThat(trouble.lines()).containsExactly(
        "[ 10.1] connection1:0: detected conn error (1020)",
        "[ 40.2] (dd,812,0):__ocfs2_abort:2202 ERROR: Aborting journal on device dm-0",
        "[ 40.3] Kernel panic - not syncing: OCFS2: (device dm-0): panic forced after error");
    assertThat(HostCommands.lastLines(console, 2, PluginBed.KERNEL_TROUBLE).lines()).hasSize(2)
        .last().asString().startsWith("[ 40.3] Kernel panic");
    assertThat(HostCommands.tail(console, 2).lines()).hasSize(2).first().asString().contains("Aborting journal");
    assertThat(HostCommands.tail(dir.resolve("absent.log"), 5)).isEqualTo("(no " + dir.resolve("absent.log") + ")");
  }
}
