package io.ocfs2iscsi.node.host;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a stage relies on when it gives up on a portal that does not answer: interrupting the thread that runs a
 * command ends the command at once, and its process with it (no iscsiadm is left running for a portal the plugin
 * no longer waits for).
 */
class InterruptedCommandTest {

  @Test
  void interruptingTheCallerKillsTheProcess() throws Exception {
    ProcessCommandRunner runner = new ProcessCommandRunner(HostMode.DIRECT, new SecretRedactor());
    CompletableFuture<CommandResult> result = new CompletableFuture<>();
    Thread caller = new Thread(() -> result.complete(runner.run(Command.of(Duration.ofSeconds(60), "sleep", "47.5"))));
    long started = System.nanoTime();
    caller.start();
    ProcessHandle sleep = null;
    for (int i = 0; i < 100 && sleep == null; i++) {
      Thread.sleep(50);
      sleep = ProcessHandle.current().children()
          .filter(p -> p.info().arguments().map(a -> a.length == 1 && a[0].equals("47.5")).orElse(false))
          .findFirst().orElse(null);
    }
    assertThat(sleep).as("the command's process started").isNotNull();

    caller.interrupt();
    CommandResult r = result.get(10, TimeUnit.SECONDS);

    assertThat(r.cancelled()).as("%s", r).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(15));
    assertThat(sleep.onExit().get(5, TimeUnit.SECONDS).isAlive()).isFalse();
  }
}
