package io.ocfs2iscsi.node.host;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.SaturatedCommonPool;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one real CommandRunner, with real processes (coreutils only). */
class ProcessCommandRunnerTest {

  private final SecretRedactor redactor = new SecretRedactor();
  private final ProcessCommandRunner runner = new ProcessCommandRunner(HostMode.DIRECT, redactor);

  @Test
  void runsAnArgvWithoutAShell() {
    CommandResult r = runner.run(Command.of("printf", "%s|%s", "a b", "$(echo no-shell)"));

    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("a b|$(echo no-shell)");
  }

  @Test
  void outputIsReadWhileTheCommonPoolIsBusy() {
    CommandResult r;
    try (SaturatedCommonPool busy = new SaturatedCommonPool()) {
      r = runner.run(Command.of("printf", "TYPE=ext4\\n"));
    }

    assertThat(r.exitCode()).isZero();
    assertThat(r.stdout()).isEqualTo("TYPE=ext4\n");
  }

  @Test
  void outputStillOpenAfterTheProcessEndedIsLostNotAnEmptySuccess() {
    ProcessCommandRunner impatient = new ProcessCommandRunner(HostMode.DIRECT, redactor, Duration.ofMillis(300));

    // sh ends at once; the sleep it started keeps its stdout open.
    CommandResult r = impatient.run(Command.of("sh", "-c", "printf 'TYPE=ext4\\n'; sleep 3 &"));

    assertThat(r.outputLost()).isTrue();
    assertThat(r.ok()).isFalse();
    assertThat(r.stdout()).as("part of an output is not handed to a parser").isEmpty();
    assertThat(r.complaint()).contains("sh exited 0").contains("stdout: still open after the process ended");
  }

  @Test
  void exitCodeAndStderr() {
    CommandResult r = runner.run(Command.of("ls", "/definitely/not/here"));

    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.stderr()).contains("/definitely/not/here");
  }

  @Test
  void aMissingProgramIs127() {
    CommandResult r = runner.run(Command.of("no-such-tool-ocfs2iscsi", "--version"));

    assertThat(r.programMissing()).isTrue();
  }

  @Test
  void aHangingCommandIsKilledAtItsTimeout() {
    long started = System.nanoTime();
    CommandResult r = runner.run(Command.of(Duration.ofMillis(300), "sleep", "30"));

    assertThat(r.timedOut()).isTrue();
    assertThat(r.stderr()).contains("timed out");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void heldSecretsAreMaskedInOutputAndLogs() {
    try (LogCapture logs = new LogCapture();
        SecretRedactor.Hold h = redactor.hold(List.of("hunter2-secret"))) {
      CommandResult r = runner.run(Command.of("ls", "/nothing/hunter2-secret"));

      assertThat(r.stderr()).doesNotContain("hunter2-secret").contains("***");
      assertThat(logs.lines()).isNotEmpty().noneMatch(l -> l.contains("hunter2-secret"));
    }
    assertThat(redactor.redact("hunter2-secret")).isEqualTo("hunter2-secret");
  }

  @Test
  void nsenterModeEntersTheHostsNamespaces() {
    assertThat(HostMode.NSENTER.commandPrefix()).containsExactly("nsenter", "-t", "1", "-m", "-u", "-i", "-n", "--");
    assertThat(HostMode.NSENTER.filesystemRoot()).isEqualTo("/proc/1/root");
    assertThat(HostMode.DIRECT.commandPrefix()).isEmpty();
    assertThat(HostMode.parse("NSENTER")).isEqualTo(HostMode.NSENTER);
  }
}
