package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CommandBoundTest {

  private static final Duration THREE_MINUTES = Duration.ofMinutes(3);

  @Test
  void aRolloutWaitingLongerThanTheDefaultGetsItsOwnTimeoutPlusAMargin() {
    assertThat(CommandBound.of(List.of("kubectl", "-n", "x", "rollout", "status", "deployment/op", "--timeout=6m"),
        THREE_MINUTES)).isEqualTo(Duration.ofMinutes(7));
    assertThat(CommandBound.of(List.of("helm", "install", "--wait", "--timeout", "10m0s"), THREE_MINUTES))
        .isEqualTo(Duration.ofMinutes(11));
  }

  @Test
  void shortOrMissingTimeoutsKeepTheDefault() {
    assertThat(CommandBound.of(List.of("kubectl", "wait", "--timeout=60s"), THREE_MINUTES)).isEqualTo(THREE_MINUTES);
    assertThat(CommandBound.of(List.of("kubectl", "get", "pods"), THREE_MINUTES)).isEqualTo(THREE_MINUTES);
    assertThat(CommandBound.of(List.of("kubectl", "wait", "--timeout=forever"), THREE_MINUTES))
        .isEqualTo(THREE_MINUTES);
  }

  @Test
  void readsGoDurations() {
    assertThat(CommandBound.goDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(CommandBound.goDuration("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(CommandBound.goDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(CommandBound.goDuration("6")).isNull();
    assertThat(CommandBound.goDuration("")).isNull();
    assertThat(CommandBound.goDuration("6m junk")).isNull();
  }
}
