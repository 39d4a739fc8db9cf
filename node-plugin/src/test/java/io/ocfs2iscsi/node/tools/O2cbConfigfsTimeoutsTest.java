package io.ocfs2iscsi.node.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class O2cbTimeoutsTest {

  private static final O2cbConfigfsTimeouts CURRENT = O2cbConfigfsTimeouts.DEFAULTS; // 31, 30000, 2000, 2000

  @Test
  void unchangedWritesNothing() {
    assertThat(CURRENT.writesFrom(CURRENT)).isEmpty();
  }

  @Test
  void idleGoesFirstWhenItStaysAboveTheOldKeepalive() {
    O2cbConfigfsTimeouts desired = new O2cbConfigfsTimeouts(31, 10000, 5000, 2000);

    assertThat(desired.writesFrom(CURRENT))
        .containsExactly(
            new O2cbConfigfsTimeouts.Write("idle_timeout_ms", 10000),
            new O2cbConfigfsTimeouts.Write("keepalive_delay_ms", 5000));
  }

  @Test
  void keepaliveGoesFirstWhenTheNewIdleIsBelowTheOldKeepalive() {
    O2cbConfigfsTimeouts desired = new O2cbConfigfsTimeouts(31, 1500, 1000, 2000);

    assertThat(desired.writesFrom(CURRENT))
        .containsExactly(
            new O2cbConfigfsTimeouts.Write("keepalive_delay_ms", 1000),
            new O2cbConfigfsTimeouts.Write("idle_timeout_ms", 1500));
  }

  @Test
  void everyAttributeHasItsPath() {
    O2cbConfigfsTimeouts desired = new O2cbConfigfsTimeouts(61, 30000, 2000, 4000);

    assertThat(desired.writesFrom(CURRENT))
        .containsExactly(
            new O2cbConfigfsTimeouts.Write("heartbeat/dead_threshold", 61),
            new O2cbConfigfsTimeouts.Write("reconnect_delay_ms", 4000));
  }
}
