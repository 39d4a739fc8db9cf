package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * Storage fencing of the user stack on real kernels, on a test bed of its own: {@link UserStackFencingScenario}.
 */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class UserStackFencingTest {

  final Report report = Report.shared();
  PluginBed bed;
  UserStackFencingScenario scenario;
  long suiteStart;

  @BeforeAll
  void startBed() {
    suiteStart = System.nanoTime();
    bed = PluginBed.start(null);
    scenario = new UserStackFencingScenario(bed, new Kubelet(bed), report, ReferenceVolume.volume(), "user-pr");
    report.put(UserStackFencingScenario.S, "testbed_start_seconds", UserStackFencingScenario.secondsSince(suiteStart));
  }

  @AfterAll
  void stopBed() {
    try {
      report.put(UserStackFencingScenario.S, "suite_seconds", UserStackFencingScenario.secondsSince(suiteStart));
      Path file = report.write(Report.defaultPath());
      System.out.println("e2e report " + file + ":\n" + report.json());
    } finally {
      if (bed != null) {
        bed.close();
      }
    }
  }

  @Test
  @Order(1)
  void bothNodesRegisterTheirKeysAtStageAndTheFirstReserves() {
    scenario.bringUp();
  }

  @Test
  @Order(2)
  void aPathThatComesBackIsRegisteredAgain() {
    scenario.pathFlap();
  }

  @Test
  @Order(3)
  void killingNode2FencesItAndNode1GoesOn() throws Exception {
    scenario.killAndFence();
  }

  @Test
  @Order(4)
  void node2WritesAgainOnlyAfterItStagedAgain() {
    scenario.rebootAndRejoin();
  }

  @Test
  @Order(5)
  void downAgain() {
    scenario.down();
  }
}
