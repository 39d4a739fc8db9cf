package io.ocfs2iscsi.operator.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.PathHealth;
import io.ocfs2iscsi.agent.v1.SessionHealth;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class NodeHealthViewsTest {

  static GetVolumeHealthResponse health(boolean mounted, int up, int down, String... portalAndState) {
    GetVolumeHealthResponse.Builder b = GetVolumeHealthResponse.newBuilder().setVolumeId("mylun")
        .setMounted(mounted).setHeartbeatActive(mounted).setMapPresent(up + down > 0);
    for (int i = 0; i < portalAndState.length; i += 2) {
      b.addSessions(SessionHealth.newBuilder().setPortal(portalAndState[i]).setState(portalAndState[i + 1]));
    }
    for (int i = 0; i < up; i++) {
      b.addPaths(PathHealth.newBuilder().setDevice("sd" + (char) ('a' + i)).setUp(true).setDmState("active"));
    }
    for (int i = 0; i < down; i++) {
      b.addPaths(PathHealth.newBuilder().setDevice("sd" + (char) ('p' + i)).setUp(false).setDmState("failed"));
    }
    return b.build();
  }

  @Test
  void theTimeoutsInEffectGoIntoTheEntry() {
    GetVolumeHealthResponse h = health(true, 2, 0).toBuilder()
        .addSessions(SessionHealth.newBuilder().setPortal("192.168.0.180:3260").setState("LOGGED_IN")
            .setRecoveryTimeoutSeconds(3).setNoopOutIntervalSeconds(2).setNoopOutTimeoutSeconds(2))
        .addSessions(SessionHealth.newBuilder().setPortal("10.20.1.180:3260").setState("NONE"))
        .setQueueIfNoPath(true).setNoPathRetry("15").build();

    NodeVolumeStatus s = NodeHealthViews.of("drbd01", h);

    assertThat(s.getSessions()).extracting(SessionStatus::getRecoveryTimeoutSeconds,
        SessionStatus::getNoopOutIntervalSeconds, SessionStatus::getNoopOutTimeoutSeconds).containsExactly(
        org.assertj.core.groups.Tuple.tuple(3, 2, 2), org.assertj.core.groups.Tuple.tuple(null, null, null));
    assertThat(s.getQueueIfNoPath()).isTrue();
    assertThat(s.getNoPathRetry()).isEqualTo("15");
  }

  @Test
  void anAgentThatDoesNotReadTimeoutsBackLeavesThemOut() {
    NodeVolumeStatus s = NodeHealthViews.of("drbd01", health(true, 2, 0, "192.168.0.180:3260", "LOGGED_IN"));

    assertThat(s.getQueueIfNoPath()).isNull();
    assertThat(s.getNoPathRetry()).isNull();
    assertThat(s.getSessions().get(0).getRecoveryTimeoutSeconds()).isNull();
  }

  @Test
  void aHealthAnswerBecomesTheNodesStatusEntry() {
    GetVolumeHealthResponse h = health(true, 1, 1, "192.168.0.180:3260", "LOGGED_IN", "10.20.1.180:3260", "FAILED")
        .toBuilder().addProblems("path sdp failed").build();

    NodeVolumeStatus s = NodeHealthViews.of("drbd01", h);

    assertThat(s.getNode()).isEqualTo("drbd01");
    assertThat(s.getSessions()).extracting(SessionStatus::getPortal, SessionStatus::getState).containsExactly(
        org.assertj.core.groups.Tuple.tuple("192.168.0.180:3260", "LOGGED_IN"),
        org.assertj.core.groups.Tuple.tuple("10.20.1.180:3260", "FAILED"));
    assertThat(s.getPaths().getActive()).isEqualTo(1);
    assertThat(s.getPaths().getFailed()).isEqualTo(1);
    assertThat(s.getMounted()).isTrue();
    assertThat(s.getHeartbeat()).isTrue();
    assertThat(s.getProblems()).containsExactly("path sdp failed");
    assertThat(NodeHealthViews.reachable(s)).isTrue();
    assertThat(NodeHealthViews.mounted(s)).isTrue();
    assertThat(NodeHealthViews.sessionsDown(s)).isEqualTo(1);
  }

  @Test
  void eachSessionShowsTheInterfaceItIsBoundToAndAnUnboundOneShowsNone() {
    GetVolumeHealthResponse h = GetVolumeHealthResponse.newBuilder().setVolumeId("mylun").setMounted(true)
        .addSessions(SessionHealth.newBuilder().setPortal("192.168.0.180:3260").setState("LOGGED_IN")
            .setIface("ocfs2iscsi-eth1").setNetdev("eth1"))
        .addSessions(SessionHealth.newBuilder().setPortal("10.20.1.180:3260").setState("LOGGED_IN")
            .setIface("default"))
        .build();

    NodeVolumeStatus s = NodeHealthViews.of("drbd01", h);

    assertThat(s.getSessions()).extracting(SessionStatus::getPortal, SessionStatus::getIface, SessionStatus::getNetdev)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("192.168.0.180:3260", "ocfs2iscsi-eth1", "eth1"),
            org.assertj.core.groups.Tuple.tuple("10.20.1.180:3260", "default", null));
  }

  @Test
  void aFilesystemThatWentReadOnlyIsMarkedAndAWritableOneIsLeftOut() {
    NodeVolumeStatus ro = NodeHealthViews.of("drbd01", health(true, 2, 0).toBuilder().setReadOnly(true).build());
    NodeVolumeStatus rw = NodeHealthViews.of("drbd02", health(true, 2, 0));

    assertThat(ro.getReadOnly()).isTrue();
    assertThat(NodeHealthViews.wentReadOnly(ro)).isTrue();
    assertThat(rw.getReadOnly()).as("absent from status unless it happened").isNull();
    assertThat(NodeHealthViews.wentReadOnly(rw)).isFalse();
  }

  @Test
  void aNodeThatDoesNotMountIsReachableButNotMounted() {
    NodeVolumeStatus s = NodeHealthViews.of("drbd02", health(false, 0, 0));

    assertThat(s.getMounted()).isFalse();
    assertThat(NodeHealthViews.reachable(s)).isTrue();
    assertThat(NodeHealthViews.mounted(s)).isFalse();
  }

  @Test
  void anUnreachableNodeKnowsOnlyWhy() {
    NodeVolumeStatus s = NodeHealthViews.unreachable("drbd03", "UNAVAILABLE: io exception");

    assertThat(s.getNode()).isEqualTo("drbd03");
    assertThat(s.getMounted()).isNull();
    assertThat(s.getHeartbeat()).isNull();
    assertThat(s.getSessions()).isEmpty();
    assertThat(s.getProblems()).containsExactly("node agent unreachable: UNAVAILABLE: io exception");
    assertThat(NodeHealthViews.reachable(s)).isFalse();
    assertThat(NodeHealthViews.mounted(s)).isFalse();
  }

  @Test
  void thePathsColumnCountsOnlyNodesThatMount() {
    List<NodeVolumeStatus> nodes = List.of(
        NodeHealthViews.of("a", health(true, 2, 0)),
        NodeHealthViews.of("b", health(true, 1, 1)),
        NodeHealthViews.of("c", health(false, 2, 0)), // staged by a format, not mounted
        NodeHealthViews.unreachable("d", "DEADLINE_EXCEEDED"));

    assertThat(NodeHealthViews.pathsColumn(nodes)).isEqualTo("3/4");
    assertThat(NodeHealthViews.pathsColumn(List.of())).isEqualTo("0/0");
  }
}
