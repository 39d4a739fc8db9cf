package io.ocfs2iscsi.node.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class O2cbTimeoutsTest {

  private static final O2cbTimeouts CURRENT = O2cbTimeouts.DEFAULTS; // 31, 30000, 2000, 2000

  @Test
  void unchangedWritesNothing() {
    assertThat(CURRENT.writesFrom(CURRENT)).isEmpty();
  }

  @Test
  void idleGoesFirstWhenItStaysAboveTheOldKeepalive() {
    O2cbTimeouts desired = new O2cbTimeouts(31, 10000, 5000, 2000);

    assertThat(desired.writesFrom(CURRENT))
        .containsExactly(
            new O2cbTimeouts.Write("idle_timeout_ms", 10000), new O2cbTimeouts.Write("keepalive_delay_ms", 5000));
  }

  @Test
  void keepaliveGoesFirstWhenTheNewIdleIsBelowTheOldKeepalive() {
    O2cbTimeouts desired = new O2cbTimeouts(31, 1500, 1000, 2000);

    assertThat(desired.writesFrom(CURRENT))
        .containsExactly(
            new O2cbTimeouts.Write("keepalive_delay_ms", 1000), new O2cbTimeouts.Write("idle_timeout_ms", 1500));
  }

  @Test
  void everyAttributeHasItsPath() {
    O2cbTimeouts desired = new O2cbTimeouts(61, 30000, 2000, 4000);

    assertThat(desired.writesFrom(CURRENT))
        .containsExactly(
            new O2cbTimeouts.Write("heartbeat/dead_threshold", 61), new O2cbTimeouts.Write("reconnect_delay_ms", 4000));
  }
}
