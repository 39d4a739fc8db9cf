package io.ocfs2iscsi.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FailoverDefaultsTest {

  static long defaultBlock() {
    return FailoverDefaults.worstBlockSeconds(FailoverDefaults.NOOP_OUT_INTERVAL_SECONDS,
        FailoverDefaults.NOOP_OUT_TIMEOUT_SECONDS, FailoverDefaults.REPLACEMENT_TIMEOUT_SECONDS,
        FailoverDefaults.NO_PATH_RETRY_COUNT, FailoverDefaults.POLLING_INTERVAL_SECONDS);
  }

  @Test
  void defaultsBlockAtMost22Seconds() {
    assertThat(defaultBlock()).isEqualTo(22);
  }

  @Test
  void defaultDeadThresholdIsTheSmallestThatCoversTheDefaultsWithTheMargin() {
    int t = O2cbClusterRules.DEAD_THRESHOLD_DEFAULT;
    long needed = defaultBlock() + FailoverDefaults.HEARTBEAT_MARGIN_SECONDS;
    assertThat((t - 1) * 2L).isGreaterThanOrEqualTo(needed);
    assertThat((t - 2) * 2L).as("one less would not cover it").isLessThan(needed);
    assertThat(FailoverDefaults.smallestDeadThreshold(defaultBlock())).isEqualTo(t);
  }

  @Test
  void smallestDeadThresholdRoundsUpToWholeHeartbeats() {
    assertThat(FailoverDefaults.smallestDeadThreshold(21)).isEqualTo(17); // 31 s needs 32 s
    assertThat(FailoverDefaults.smallestDeadThreshold(23)).isEqualTo(18); // 33 s needs 34 s
    assertThat(FailoverDefaults.smallestDeadThreshold(50)).isEqualTo(31); // 60 s: o2cb's own default
  }

  @Test
  void pingDetectionPlusRecoveryStaysWithinTheEightSecondsAPathLossMayStallAWriter() {
    assertThat(FailoverDefaults.NOOP_OUT_INTERVAL_SECONDS + FailoverDefaults.NOOP_OUT_TIMEOUT_SECONDS
        + FailoverDefaults.REPLACEMENT_TIMEOUT_SECONDS).isLessThanOrEqualTo(7);
  }
}
