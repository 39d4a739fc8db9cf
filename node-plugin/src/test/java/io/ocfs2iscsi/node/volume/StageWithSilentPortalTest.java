package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NodeStageVolume while one portal's link is cut so that its packets vanish: iscsiadm waits for that portal until
 * its own timeout (45 s for discovery, 90 s for a login). Once another portal serves the LUN, the stage does not
 * wait for the silent one: it stages on the paths it has and leaves the rest to the path repairer.
 */
class StageWithSilentPortalTest {

  /** Far below the 45 s a silent portal's discovery would take, far above what the stage itself needs here. */
  static final Duration BOUND = Duration.ofSeconds(15);

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  private void stage() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
  }

  @Test
  void aSilentSecondPortalDoesNotHoldTheStage() {
    host.discoveryListsEveryPortal = false;
    host.silentPortals.add(PORTAL_B);

    assertTimeoutPreemptively(BOUND, this::stage);

    assertStagedOnlyThrough(PORTAL_A);
    assertThat(host.interruptedCommands).as("the silent discovery is killed, not left running")
        .containsExactly("discovery through " + PORTAL_B);
  }

  @Test
  void aSilentFirstPortalDoesNotHoldTheStage() {
    host.discoveryListsEveryPortal = false;
    host.silentPortals.add(PORTAL_A);

    assertTimeoutPreemptively(BOUND, this::stage);

    assertStagedOnlyThrough(PORTAL_B);
  }

  @Test
  void aSilentPortalThatAnotherPortalAdvertisesIsNotLoggedInWhileThatOneServes() {
    // SCST lists both portals in every answer: the silent one has a node record, but no login is tried through
    // it (iscsid would go on trying it long after the command was killed).
    host.silentPortals.add(PORTAL_B);

    assertTimeoutPreemptively(BOUND, this::stage);

    assertStagedOnlyThrough(PORTAL_A);
    assertThat(host.fake.calls()).noneMatch(c -> c.endsWith(PORTAL_B + " --login"));
  }

  private void assertStagedOnlyThrough(String portal) {
    assertThat(host.loggedIn).containsExactly(portal);
    assertThat(host.mountTable()).anyMatch(l -> l.startsWith(DEVICE + " " + STAGING + " ocfs2"));
    assertThat(host.state.volume("mylun").orElseThrow().phase()).isEqualTo(StagedVolume.Phase.STAGED);
  }
}
