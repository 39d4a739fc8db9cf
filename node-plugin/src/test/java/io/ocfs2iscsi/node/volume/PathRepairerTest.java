package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The path repairer: a path that was down when the volume was staged joins the map once its portal answers. */
class PathRepairerTest {

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  private void stageWithPortalBDown() {
    host.downPortals.add(PORTAL_B);
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    assertThat(host.loggedIn).containsExactly(PORTAL_A);
    host.fake.clearCalls();
  }

  @Test
  void aPortalThatWasDownAtStageTimeJoinsTheMapWhenItAnswersAgain() {
    // tgtd, as on the real kernels: discovery through A lists only A, so B never got a node record.
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, ReferenceHost.FAST);

    host.downPortals.remove(PORTAL_B);
    // The new disk is not in the map until multipathd is told about it.
    host.pathsMultipathdMissed.add("sdd");
    int repaired = repairer.repairAll();

    assertThat(repaired).isEqualTo(1);
    assertThat(host.loggedIn).containsExactly(PORTAL_A, PORTAL_B);
    assertThat(host.fake.calls()).contains("multipathd add path sdd");
    assertThat(host.read("/etc/iscsi/nodes/" + IQN + "/10.20.1.180,3260,-1/default"))
        .as("the record the repairer made carries the volume's settings")
        .isNotEmpty();
    VolumeHealth h = host.inspector.health(ReferenceHost.spec());
    assertThat(h.problems()).isEmpty();
    assertThat(h.paths()).hasSize(2);
    assertThat(host.state.volume("mylun").orElseThrow().devices()).containsOnlyKeys("sdc", "sdd");
  }

  @Test
  void aPortalThatStaysDownIsNotTriedAgainEveryRound() {
    // SCST: discovery through A also wrote B's record, so the repairer has something to log in with.
    stageWithPortalBDown();
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, ReferenceHost.FAST);

    repairer.repairAll();
    repairer.repairAll();
    repairer.repairAll();

    assertThat(host.fake.calls())
        .as("attempts through the dead portal in three rounds within a second")
        .filteredOn(c -> c.contains(PORTAL_B))
        .hasSizeLessThanOrEqualTo(1);
    assertThat(host.state.volume("mylun").orElseThrow().phase()).isEqualTo(StagedVolume.Phase.STAGED);
    assertThat(host.mountTable()).anyMatch(l -> l.contains(STAGING));
  }
}
