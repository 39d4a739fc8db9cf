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
  void aCommandReadsItsInputAndOthersReadEndOfFile() {
    CommandResult fed = runner.run(Command.of("cat").withStdin("1234\n"));
    CommandResult unfed = runner.run(Command.of("cat"));

    assertThat(fed.exitCode()).isZero();
    assertThat(fed.stdout()).isEqualTo("1234\n");
    assertThat(unfed.exitCode()).isZero();
    assertThat(unfed.stdout()).as("no input: end-of-file at once, not a wait").isEmpty();
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

    // sh ends after half a second; the sleep it started keeps its stdout and stderr open. (When a process ends
    // before its readers block in read, the JDK's process reaper takes what is buffered and closes the streams:
    // then nothing is lost.)
    CommandResult r = impatient.run(Command.of("sh", "-c", "printf 'TYPE=ext4\\n'; sleep 3 & sleep 0.5"));

    assertThat(r.outputLost()).isTrue();
    assertThat(r.ok()).isFalse();
    assertThat(r.stdout()).as("part of an output is not handed to a parser").isEmpty();
    assertThat(r.complaint()).contains("sh exited 0").contains("still open after the process ended");
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
  void aCommandIsKilledWhenItsCallersDeadlinePasses() {
    long started = System.nanoTime();
    CommandResult r;
    try (Cancellation.Bound call = Cancellation.withDeadline(Duration.ofMillis(300)).bind()) {
      r = runner.run(Command.of(Duration.ofMinutes(8), "sleep", "30"));
    }

    assertThat(r.cancelled()).isTrue();
    assertThat(r.complaint()).contains("killed: the caller's deadline passed");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
    assertThat(Cancellation.current()).as("the binding ends with its block").isSameAs(Cancellation.NONE);
  }

  @Test
  void aCommandIsKilledWhenItsCallerCancels() throws Exception {
    Cancellation cancellation = Cancellation.create();
    Thread caller = new Thread(() -> {
      try {
        Thread.sleep(300);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      cancellation.cancel(Cancellation.Reason.CANCELLED);
    });
    long started = System.nanoTime();
    caller.start();
    CommandResult r;
    try (Cancellation.Bound call = cancellation.bind()) {
      r = runner.run(Command.of(Duration.ofMinutes(8), "sleep", "30"));
    }
    caller.join();

    assertThat(r.cancelled()).isTrue();
    assertThat(r.complaint()).contains("killed: the caller cancelled the call");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void noCommandStartsAfterTheCallerGaveUp() {
    Cancellation cancellation = Cancellation.create();
    cancellation.cancel(Cancellation.Reason.CANCELLED);
    CommandResult r;
    try (Cancellation.Bound call = cancellation.bind()) {
      r = runner.run(Command.of("printf", "started"));
    }

    assertThat(r.cancelled()).isTrue();
    assertThat(r.stdout()).isEmpty();
    assertThat(r.complaint()).isEqualTo("not started: the caller cancelled the call");
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
