package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.MultipathSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.TargetSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.UserStackSpec;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class TimeoutCoherenceTest {

  private static IscsiSharedVolumeSpec spec(int replacement, String noPathRetry, int polling) {
    TargetSpec target = new TargetSpec();
    SessionSpec session = new SessionSpec();
    session.setReplacementTimeoutSeconds(replacement);
    target.setSession(session);
    MultipathSpec mp = new MultipathSpec();
    mp.setNoPathRetry(noPathRetry);
    mp.setPollingIntervalSeconds(polling);
    IscsiSharedVolumeSpec spec = new IscsiSharedVolumeSpec();
    spec.setTarget(target);
    spec.setMultipath(mp);
    return spec;
  }

  @Test
  void theExamplesAreCoherent() {
    int deadThreshold = ExampleResources.cluster().getSpec().getHeartbeat().getDeadThreshold();
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(ExampleResources.volume().getSpec(), deadThreshold);

    assertThat(deadThreshold).isEqualTo(17);
    assertThat(v.coherent()).isTrue();
    assertThat(v.blockSeconds()).isEqualTo(OptionalLong.of(2 + 2 + 3 + 15 * 1));
    assertThat(v.deadTimeSeconds()).isEqualTo(32);
    assertThat(v.message()).contains("22 s", "noopOutIntervalSeconds 2 s", "noopOutTimeoutSeconds 2 s",
        "replacementTimeoutSeconds 3 s", "noPathRetry 15 x pollingIntervalSeconds 1 s", "32 s");
  }

  @Test
  void theApiDefaultsAreCoherentWithTheDefaultThresholdAndNothingLower() {
    IscsiSharedVolumeSpec spec = new IscsiSharedVolumeSpec();
    spec.setTarget(new TargetSpec());
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(spec, O2cbClusterRules.DEAD_THRESHOLD_DEFAULT);

    assertThat(v.coherent()).isTrue();
    assertThat(v.blockSeconds()).isEqualTo(OptionalLong.of(22));
    assertThat(TimeoutCoherence.check(spec, O2cbClusterRules.DEAD_THRESHOLD_DEFAULT - 1).coherent()).isFalse();
  }

  @ParameterizedTest(name = "2 + 2 + replacement {0} + {1} x {2} vs T={3}: coherent={4}")
  @CsvSource({
      "3,  15, 1, 17, true,  22, 32", // 22 + 10 margin = 32: just fits
      "3,  16, 1, 17, false, 23, 32",
      "10, 5,  3, 31, true,  29, 60",
      "10, 12, 3, 31, true,  50, 60",
      "10, 13, 3, 31, false, 53, 60",
      "10, fail, 3, 13, true, 14, 24",
      "11, fail, 3, 13, false, 15, 24",
  })
  void blockedTimeIsDetectionPlusReplacementPlusRetriesTimesPollingAndMustStayAMarginBelowTheDeadTime(
      int replacement, String retry, int polling, int threshold, boolean coherent, long block, int deadTime) {
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(spec(replacement, retry, polling), threshold);

    assertThat(v.coherent()).isEqualTo(coherent);
    assertThat(v.blockSeconds()).isEqualTo(OptionalLong.of(block));
    assertThat(v.deadTimeSeconds()).isEqualTo(deadTime);
    assertThat(v.message()).contains(block + " s").contains(deadTime + " s");
  }

  @Test
  void anIncoherentMessageGivesTheNumbersAndAThresholdThatWouldFit() {
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(spec(20, "20", 5), 31);

    assertThat(v.coherent()).isFalse();
    assertThat(v.blockSeconds()).hasValue(124);
    assertThat(v.message())
        .contains("124 s")
        .contains("replacementTimeoutSeconds 20 s")
        .contains("noPathRetry 20 x pollingIntervalSeconds 5 s")
        .contains("(deadThreshold 31 - 1) x 2 s")
        .contains("60 s")
        .contains("fence itself");
    int suggested = Integer.parseInt(after(v.message(), "deadThreshold to at least (\\d+)"));
    assertThat(TimeoutCoherence.check(spec(20, "20", 5), suggested).coherent()).isTrue();
    assertThat(TimeoutCoherence.check(spec(20, "20", 5), suggested - 1).coherent()).isFalse();
  }

  @ParameterizedTest
  @CsvSource({"25", "26"})
  void theSuggestedThresholdIsTheSmallestThatFitsForOddAndEvenBlockTimes(long block) {
    IscsiSharedVolumeSpec s = spec((int) block, "fail", 3);
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(s, 5);
    int suggested = Integer.parseInt(after(v.message(), "deadThreshold to at least (\\d+)"));

    assertThat(TimeoutCoherence.check(s, suggested).coherent()).isTrue();
    assertThat(TimeoutCoherence.check(s, suggested - 1).coherent()).isFalse();
  }

  @Test
  void queueBlocksForeverAndIsNeverCoherent() {
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(spec(10, "queue", 3), 1000);

    assertThat(v.coherent()).isFalse();
    assertThat(v.blockSeconds()).isEmpty();
    assertThat(v.deadTimeSeconds()).isEqualTo(1998);
    assertThat(v.message()).contains("queue blocks I/O forever").contains("1998 s");
  }

  @Test
  void queueSuggestsTheLargestCountThatFits() {
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(spec(10, "queue", 3), 31);
    String count = after(v.message(), "count of at most (\\d+)");

    assertThat(count).isEqualTo("12"); // 2 + 2 + 10 + 12 x 3 = 50, + 10 <= 60; 13 would be 53 + 10 > 60
    assertThat(TimeoutCoherence.check(spec(10, count, 3), 31).coherent()).isTrue();
    assertThat(TimeoutCoherence.check(spec(10, Integer.toString(Integer.parseInt(count) + 1), 3), 31).coherent())
        .isFalse();
  }

  @Test
  void queueWithNoCountThatFitsSaysWhatElseToChange() {
    // dead time 4 s: even replacement 10 alone is too long, no count can help
    TimeoutCoherence.Verdict v = TimeoutCoherence.check(spec(10, "queue", 3), 3);

    assertThat(v.coherent()).isFalse();
    assertThat(v.message()).doesNotContain("at most").contains("replacementTimeoutSeconds 10 s")
        .contains("heartbeat.deadThreshold");
  }

  private static String after(String message, String regex) {
    Matcher m = Pattern.compile(regex).matcher(message);
    assertThat(m.find()).as("'%s' in: %s", regex, message).isTrue();
    return m.group(1);
  }

  private static TimeoutCoherence.Verdict user(IscsiSharedVolumeSpec spec, int tokenMs, UserStackSpec.Fencing fencing) {
    return TimeoutCoherence.check(TimeoutCoherence.Values.of(spec), new TimeoutCoherence.Cluster(3, tokenMs, fencing),
        ClusterStackKind.CLUSTER_STACK_USER);
  }

  @Test
  void onTheUserStackNoDiskHeartbeatLimitsHowLongPathsMayBlock() {
    TimeoutCoherence.Verdict o2cb = TimeoutCoherence.check(TimeoutCoherence.Values.of(spec(60, "100", 3)),
        new TimeoutCoherence.Cluster(3, 3000, UserStackSpec.Fencing.PersistentReservation),
        ClusterStackKind.CLUSTER_STACK_O2CB);
    assertThat(o2cb.coherent()).as(o2cb.message()).isFalse();

    for (UserStackSpec.Fencing fencing : new UserStackSpec.Fencing[] {
        UserStackSpec.Fencing.PersistentReservation, UserStackSpec.Fencing.WaitForRejoin}) {
      TimeoutCoherence.Verdict queue = user(spec(10, "queue", 3), 3000, fencing);
      TimeoutCoherence.Verdict count = user(spec(60, "100", 3), 3000, fencing);
      assertThat(queue.coherent()).as(queue.message()).isTrue();
      assertThat(queue.message()).contains("no disk heartbeat");
      assertThat(count.coherent()).as(count.message()).isTrue();
      assertThat(count.blockSeconds()).hasValue(2 + 2 + 60 + 300);
    }
  }

  @Test
  void withPersistentReservationsTheTargetRefusesTheQueuedWritesOfAFailedMember() {
    TimeoutCoherence.Verdict v = user(ExampleResources.volume().getSpec(), 3000,
        UserStackSpec.Fencing.PersistentReservation);

    assertThat(v.coherent()).isTrue();
    // corosync: token 3000 ms, then consensus 1.2 x token: the new membership after 6.6 s
    assertThat(v.message()).contains("6.6 s", "tokenMs 3000", "preempted", "refused", "22 s");
  }

  @Test
  void waitingForTheRejoinOutlastsTheQueuedWrites() {
    TimeoutCoherence.Verdict v = user(ExampleResources.volume().getSpec(), 3000,
        UserStackSpec.Fencing.WaitForRejoin);

    assertThat(v.coherent()).isTrue();
    assertThat(v.message()).contains("restarts and rejoins", "22 s");
  }

  /**
   * Without fencing the survivors recover a failed member's journal as soon as corosync has a new membership (token +
   * consensus, 2.2 x token); a member that lost its network with its SAN links holds its writes in the map's queue
   * for up to the blocked time, and they would land on the recovered filesystem when its links return. So that queue
   * must have failed them first, with the margin.
   */
  @ParameterizedTest
  @CsvSource({
      // block 2+2+3+15 = 22 s, + 10 s margin = 32 s: token >= 32 / 2.2 s = 14546 ms
      "3, 15, 1, 14546, 14545",
      // block 2+2+10+20x5 = 114 s, + 10 = 124 s: token >= 56364 ms
      "10, 20, 5, 56364, 56363",
  })
  void withoutFencingQueuedWritesMustFailBeforeTheMembershipChanges(
      int replacement, String retry, int polling, int fits, int tooShort) {
    TimeoutCoherence.Verdict ok = user(spec(replacement, retry, polling), fits, UserStackSpec.Fencing.Disabled);
    TimeoutCoherence.Verdict bad = user(spec(replacement, retry, polling), tooShort, UserStackSpec.Fencing.Disabled);

    assertThat(ok.coherent()).as(ok.message()).isTrue();
    assertThat(bad.coherent()).as(bad.message()).isFalse();
    assertThat(bad.message()).contains("fencing Disabled", "spec.userStack.tokenMs " + tooShort,
        "raise spec.userStack.tokenMs to at least " + fits, "PersistentReservation");
  }

  @Test
  void withoutFencingQueueingForeverNeverFits() {
    TimeoutCoherence.Verdict v = user(spec(3, "queue", 1), UserStackRules.TOKEN_MS_MAX,
        UserStackSpec.Fencing.Disabled);

    assertThat(v.coherent()).isFalse();
    assertThat(v.blockSeconds()).isEmpty();
    assertThat(v.message()).contains("multipath.noPathRetry queue", "fencing Disabled", "use a count");
  }

  @Test
  void withoutFencingABlockTooLongForAnyTokenSaysSo() {
    // 2+2+60+100x3 = 364 s: more than 2.2 x the largest token (264 s)
    TimeoutCoherence.Verdict v = user(spec(60, "100", 3), UserStackRules.TOKEN_MS_MAX,
        UserStackSpec.Fencing.Disabled);

    assertThat(v.coherent()).isFalse();
    assertThat(v.message()).contains("lower those values").doesNotContain("at least");
  }
}
