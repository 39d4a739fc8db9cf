package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.REGION;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The countdown to o2cb's self-fencing while this node's disk heartbeat cannot be written. Measured on the test bed
 * with dead threshold 31: "Heartbeat write timeout ... after 60560 ms", then the node fenced itself.
 */
class HeartbeatIoTest {

  @Test
  void aHeartbeatWrittenEveryIntervalIsNotFailing() {
    assertThat(HeartbeatIo.of(true, 2, Optional.of(1_400L), 31).failing()).isFalse();
    assertThat(HeartbeatIo.of(true, 2, Optional.of(1_400L), 31).problem()).isEmpty();
    assertThat(HeartbeatIo.of(false, 0, Optional.empty(), 31)).isEqualTo(HeartbeatIo.WRITING);
  }

  @Test
  void aSilentHeartbeatCountsDownToTheDeadTime() {
    HeartbeatIo hb = HeartbeatIo.of(true, 0, Optional.of(20_560L), 31);
    assertThat(hb.failing()).isTrue();
    assertThat(hb.secondsUntilFence()).isEqualTo(39);
    assertThat(hb.problem()).contains("o2cb disk heartbeat not written for 20 s: o2cb fences (restarts) this node in"
        + " 39 s unless the SAN answers again");
    assertThat(HeartbeatIo.of(true, 0, Optional.of(60_560L), 31).secondsUntilFence()).isZero();
    assertThat(HeartbeatIo.of(true, 2, Optional.of(6_000L), 31).failing()).as("paths up, writes still stuck")
        .isTrue();
  }

  @Test
  void withoutO2hbsClockNoActivePathMeansAtMostTheDeadTime() {
    HeartbeatIo hb = HeartbeatIo.of(true, 0, Optional.empty(), 31);
    assertThat(hb.failing()).isTrue();
    assertThat(hb.secondsUntilFence()).isEqualTo(60);
    assertThat(hb.problem().orElseThrow()).contains("cannot be written (no active path)").contains("at most 60 s");
    assertThat(HeartbeatIo.of(true, 1, Optional.empty(), 31).failing()).isFalse();
  }

  @Test
  void getVolumeHealthTellsTheSecondsLeftFromO2hbsDebugfs(@TempDir Path root) throws Exception {
    try (InProcessPlugin plugin = new InProcessPlugin(new ReferenceHost(root).withClusterApplied())) {
      plugin.host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
      GetVolumeHealthRequest request = GetVolumeHealthRequest.newBuilder().setVolume(ReferenceHost.spec()).build();
      plugin.host.write("/sys/kernel/debug/o2hb/" + REGION + "/elapsed_time_in_ms", "812\n");
      GetVolumeHealthResponse fine = plugin.agent.getVolumeHealth(request);
      assertThat(fine.getHeartbeatFailing()).isFalse();
      assertThat(fine.getHeartbeatSilentMs()).isEqualTo(812);
      assertThat(fine.getSecondsUntilFence()).isZero();

      // The SAN is gone: no write has completed for 20.56 s.
      plugin.host.write("/sys/kernel/debug/o2hb/" + REGION + "/elapsed_time_in_ms", "20560\n");
      GetVolumeHealthResponse failing = plugin.agent.getVolumeHealth(request);
      assertThat(failing.getHeartbeatFailing()).isTrue();
      assertThat(failing.getHeartbeatSilentMs()).isEqualTo(20560);
      assertThat(failing.getSecondsUntilFence()).isEqualTo(39);
      assertThat(failing.getProblemsList()).anyMatch(p -> p.contains("fences (restarts) this node in 39 s"));
    }
  }
}
