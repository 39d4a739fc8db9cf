package io.ocfs2iscsi.operator.status;

import static io.ocfs2iscsi.operator.status.NodeHealthViewsTest.health;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.fabric8.kubernetes.api.model.Condition;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.status.HealthTransitions.Transition;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A node whose o2cb disk heartbeat is not written: the seconds before o2cb fences it, as condition and event. */
class HeartbeatFailingStatusTest {

  private static final String P1 = "192.168.0.180:3260";
  private static final String P2 = "10.20.1.180:3260";

  private static NodeVolumeStatus healthy(String node) {
    return NodeHealthViews.of(node, health(true, 2, 0, P1, "LOGGED_IN", P2, "LOGGED_IN"));
  }

  private static NodeVolumeStatus fencingIn(String node, int seconds) {
    GetVolumeHealthResponse h = health(true, 0, 2, P1, "FAILED", P2, "FAILED").toBuilder()
        .setHeartbeatFailing(true).setHeartbeatSilentMs(60_000 - seconds * 1000).setSecondsUntilFence(seconds)
        .addProblems("o2cb disk heartbeat not written for " + (60 - seconds) + " s").build();
    return NodeHealthViews.of(node, h);
  }

  private static List<Condition> conditions(NodeVolumeStatus... nodes) {
    return VolumeConditions.of(new VolumeAssessment().timeouts(true, "fine")
        .formatted(VolumeReason.Formatted, "formatted").published("mylun").nodes(List.of(nodes)));
  }

  @Test
  void theConditionNamesTheNodeAndTheSecondsLeft() {
    assertThat(healthy("n1").getFencesInSeconds()).isNull();
    assertThat(fencingIn("n2", 39).getFencesInSeconds()).isEqualTo(39);

    List<Condition> cs = conditions(healthy("n1"), fencingIn("n2", 39));
    Condition degraded = Conditions.find(cs, "Degraded").orElseThrow();
    assertThat(degraded.getReason()).as("worse than the paths that are down").isEqualTo("HeartbeatFailing");
    assertThat(degraded.getMessage()).contains("o2cb fences (restarts) n2 in 39 s unless the SAN answers again");
    assertThat(Conditions.find(cs, "Ready").orElseThrow().getReason()).isEqualTo("HeartbeatFailing");
  }

  @Test
  void oneWarningWhenItStartsAndOneNormalWhenTheHeartbeatIsWrittenAgain() {
    List<Transition> start = HealthTransitions.between(List.of(healthy("n2")), List.of(fencingIn("n2", 45)));
    assertThat(start).filteredOn(t -> t.reason() == VolumeReason.HeartbeatFailing)
        .extracting(Transition::warning, Transition::message)
        .containsExactly(tuple(true, "node n2: o2cb disk heartbeat not written; o2cb fences (restarts) the node in"
            + " 45 s unless the SAN answers again (o2cb disk heartbeat not written for 15 s)"));

    assertThat(HealthTransitions.between(List.of(fencingIn("n2", 45)), List.of(fencingIn("n2", 15))))
        .as("the countdown goes on: no second event").isEmpty();

    assertThat(HealthTransitions.between(List.of(fencingIn("n2", 15)), List.of(healthy("n2"))))
        .extracting(Transition::warning, t -> t.reason().name())
        .contains(tuple(false, "HeartbeatBack"), tuple(false, "PathBack"));
  }
}
