package io.ocfs2iscsi.node.tools;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EffectiveTimeoutsTest {

  @Test
  void sysfsSecondsAreWholeNumbers() {
    assertThat(EffectiveTimeouts.seconds("5\n")).hasValue(5);
    assertThat(EffectiveTimeouts.seconds("10")).hasValue(10);
    assertThat(EffectiveTimeouts.seconds("0\n")).hasValue(0);
  }

  @Test
  void unsetOrGarbledSysfsValuesAreUnknown() {
    assertThat(EffectiveTimeouts.seconds("-1\n")).isEmpty();
    assertThat(EffectiveTimeouts.seconds("off")).isEmpty();
    assertThat(EffectiveTimeouts.seconds("")).isEmpty();
  }

  @Test
  void theQueueingColumnIsFoundByTheMapsNameWithPaddingAndHeader() {
    String out = "name   |queueing\nmylun  |15 chk\nother  |on\n";

    assertThat(EffectiveTimeouts.queueingColumn(out, "mylun")).hasValue("15 chk");
    assertThat(EffectiveTimeouts.queueingColumn(out, "other")).hasValue("on");
    assertThat(EffectiveTimeouts.queueingColumn(out, "mylu")).isEmpty();
    assertThat(EffectiveTimeouts.queueingColumn("", "mylun")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource({
    "15 chk, true, 15",
    "on, true, queue",
    "on, false, queue",
    "off, true, fail",
    // no path left: multipathd counts down seconds or has stopped queueing; the count is not shown
    "12 sec, false, ''",
    "off, false, ''",
    "-, true, ''",
  })
  void theQueueingColumnGivesTheConfiguredNoPathRetryWhileItShowsIt(String column, boolean paths, String expected) {
    assertThat(EffectiveTimeouts.noPathRetry(column, paths)).isEqualTo(expected);
  }
}
