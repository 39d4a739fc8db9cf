package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.PathCounts;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.TargetSpec;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class EffectiveTimeoutsTest {

  static final String P1 = "192.168.0.180:3260";
  static final String P2 = "10.20.1.180:3260";

  /** A volume with every failover value at its default: replacement 3, pings 2 + 2, no_path_retry 15 x 1 s. */
  static IscsiSharedVolumeSpec defaults() {
    IscsiSharedVolumeSpec spec = new IscsiSharedVolumeSpec();
    spec.setTarget(new TargetSpec());
    return spec;
  }

  static SessionStatus session(String portal, int recovery, int interval, int timeout) {
    SessionStatus s = new SessionStatus(portal, "LOGGED_IN");
    s.setRecoveryTimeoutSeconds(recovery);
    s.setNoopOutIntervalSeconds(interval);
    s.setNoopOutTimeoutSeconds(timeout);
    return s;
  }

  static NodeVolumeStatus node(String name, String noPathRetry, Boolean queueing, int activePaths,
      SessionStatus... sessions) {
    NodeVolumeStatus n = new NodeVolumeStatus();
    n.setNode(name);
    n.setMounted(true);
    n.setSessions(List.of(sessions));
    n.setPaths(new PathCounts(activePaths, sessions.length - activePaths));
    n.setNoPathRetry(noPathRetry);
    n.setQueueIfNoPath(queueing);
    return n;
  }

  @Test
  void valuesAsTheSpecAsksAreNoMismatch() {
    List<NodeVolumeStatus> nodes = List.of(
        node("node1", "15", true, 2, session(P1, 3, 2, 2), session(P2, 3, 2, 2)),
        node("node2", "15", true, 2, session(P1, 3, 2, 2), session(P2, 3, 2, 2)));

    assertThat(EffectiveTimeouts.mismatches(defaults(), nodes)).isEmpty();
  }

  /** What the test bed measured before the drop-in set fast_io_fail_tmo: multipathd's 5 s in every session. */
  @Test
  void multipathdsOwnRecoveryTimeoutIsAMismatchNamingTheNodeThePortalAndBothValues() {
    List<NodeVolumeStatus> nodes = List.of(
        node("node1", "15", true, 2, session(P1, 3, 2, 2), session(P2, 3, 2, 2)),
        node("node2", "15", true, 2, session(P1, 5, 2, 2), session(P2, 3, 5, 5)));

    assertThat(EffectiveTimeouts.mismatches(defaults(), nodes)).containsExactly(
        "node2: session on " + P1 + " has recovery_tmo 5 s, but target.session.replacementTimeoutSeconds is 3 s",
        "node2: session on " + P2 + " has noop_out_interval (recv_tmo) 5 s, but"
            + " target.session.noopOutIntervalSeconds is 2 s",
        "node2: session on " + P2 + " has noop_out_timeout (ping_tmo) 5 s, but"
            + " target.session.noopOutTimeoutSeconds is 2 s");
  }

  @Test
  void aMapThatRetriesOtherwiseOrDoesNotQueueIsAMismatch() {
    List<NodeVolumeStatus> nodes = List.of(
        node("node1", "queue", true, 2, session(P1, 3, 2, 2)),
        node("node2", "fail", false, 1, session(P1, 3, 2, 2)));

    assertThat(EffectiveTimeouts.mismatches(defaults(), nodes)).containsExactly(
        "node1: map no_path_retry queue, but multipath.noPathRetry is 15",
        "node2: map no_path_retry fail, but multipath.noPathRetry is 15",
        "node2: map does not queue I/O when no path is left (no queue_if_no_path), but multipath.noPathRetry is 15");
  }

  @Test
  void aMapWithoutPathsThatStoppedQueueingOrNothingReportedIsNoMismatch() {
    List<NodeVolumeStatus> nodes = List.of(
        node("node1", null, false, 0, session(P1, 3, 2, 2)),
        node("node2", null, null, 0, new SessionStatus(P1, "NONE")));

    assertThat(EffectiveTimeouts.mismatches(defaults(), nodes)).isEmpty();
  }

  @Test
  void theCheckUsesTheLongestValuesInEffect() {
    List<NodeVolumeStatus> nodes = List.of(
        node("node1", "15", true, 2, session(P1, 3, 2, 2), session(P2, 3, 2, 2)),
        node("node2", "15", true, 2, session(P1, 14, 2, 2), session(P2, 3, 2, 2)));

    TimeoutCoherence.Verdict spec = TimeoutCoherence.check(defaults(), O2cbClusterRules.DEAD_THRESHOLD_DEFAULT);
    TimeoutCoherence.Verdict effective = TimeoutCoherence.check(EffectiveTimeouts.worst(defaults(), nodes),
        O2cbClusterRules.DEAD_THRESHOLD_DEFAULT);

    assertThat(spec.coherent()).isTrue();
    assertThat(effective.coherent()).isFalse();
    assertThat(effective.blockSeconds()).isEqualTo(OptionalLong.of(2 + 2 + 14 + 15));
    assertThat(effective.message()).contains("recovery_tmo on node2 14 s", "33 s");
  }

  @Test
  void withoutReportsTheSpecsValuesDecide() {
    TimeoutCoherence.Values v = EffectiveTimeouts.worst(defaults(), List.of(node("node1", null, null, 0)));

    assertThat(v).isEqualTo(TimeoutCoherence.Values.of(defaults()));
  }
}
