package io.ocfs2iscsi.node.volume;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StepTimesTest {

  @Test
  void stepsAreListedInOrderWithTheirSecondsAndTheTotal() {
    StepTimes t = new StepTimes();
    assertThat(t.time("iscsi_login", () -> 42)).isEqualTo(42);
    t.time("mount", () -> { });
    t.time("iscsi_login", () -> 1);
    assertThat(t.steps()).containsOnlyKeys("iscsi_login", "mount");
    assertThat(t.toString()).matches("iscsi_login=\\d+\\.\\d\\ds mount=\\d+\\.\\d\\ds total=\\d+\\.\\d\\ds");
  }
}
