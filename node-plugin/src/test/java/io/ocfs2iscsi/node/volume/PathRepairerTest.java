package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.node.Fixtures;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ManualClock;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The path repairer: a path that was down when the volume was staged joins the map once its portal answers. */
class PathRepairerTest {

  static final String PROBE_B =
      "iscsiadm -m discovery -t sendtargets -p " + PORTAL_B + " -o nonpersistent";

  @TempDir Path root;
  ReferenceHost host;
  final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  private void stageWithPortalBDown() {
    stageWithPortalBDown(ReferenceHost.spec(), Map.of());
  }

  private void stageWithPortalBDown(io.ocfs2iscsi.agent.v1.VolumeSpec spec, Map<String, String> secrets) {
    host.downPortals.add(PORTAL_B);
    host.stager.stage(new Requests.Stage("mylun", STAGING, spec, secrets, List.of()));
    assertThat(host.loggedIn).containsExactly(PORTAL_A);
    host.fake.clearCalls();
  }

  @Test
  void aPortalThatWasDownAtStageTimeJoinsTheMapWhenItAnswersAgain() {
    // tgtd, as on the real kernels: discovery through A lists only A, so B never got a node record.
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST);

    host.downPortals.remove(PORTAL_B);
    // The new disk is not in the map until multipathd is told about it.
    host.pathsMultipathdMissed.add("sdd");
    int repaired = repairer.repairAll();

    assertThat(repaired).isEqualTo(1);
    assertThat(host.loggedIn).containsExactly(PORTAL_A, PORTAL_B);
    assertThat(host.fake.calls())
        .as("a node record made without discovery, with the volume's settings, then the login and the map")
        .containsSubsequence(
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " -o new",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B
                + " -o update -n node.session.timeo.replacement_timeout -v 10",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " -o update -n node.startup -v automatic",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login",
            "multipathd add path sdd");
    VolumeHealth h = host.inspector.health(ReferenceHost.spec());
    assertThat(h.problems()).isEmpty();
    assertThat(h.paths()).hasSize(2);
    assertThat(host.state.volume("mylun").orElseThrow().devices()).containsOnlyKeys("sdc", "sdd");
  }

  @Test
  void aBoundPortalIsProbedAndLoggedInThroughTheIfaceOfItsNic() {
    host.discoveryListsEveryPortal = false;
    host.withInterfaces("eth1", "eth2");
    io.ocfs2iscsi.agent.v1.VolumeSpec bound = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder()
            .putPortalInterfaces(PORTAL_A, "eth1").putPortalInterfaces(PORTAL_B, "eth2"))
        .build();
    stageWithPortalBDown(bound, Map.of());
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST);

    host.downPortals.remove(PORTAL_B);
    int repaired = repairer.repairAll();

    assertThat(repaired).isEqualTo(1);
    assertThat(host.ifaceOfSession).containsEntry(PORTAL_B, "ocfs2iscsi-eth2");
    assertThat(host.fake.calls()).containsSubsequence(
        PROBE_B + " -I ocfs2iscsi-eth2",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " -o new -I ocfs2iscsi-eth2",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login -I ocfs2iscsi-eth2");
  }

  @Test
  void aPortalThatStaysDownIsNotTriedAgainEveryRound() {
    // SCST: discovery through A also wrote B's record, so the repairer has something to log in with.
    stageWithPortalBDown();
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST);

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

  @Test
  void aPortalThatNeverReturnsIsProbedWithDoublingDelaysUpToTwoMinutesAndTheVolumeStaysUpOnOnePath() {
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);
    List<Long> probedAt = new ArrayList<>();
    Instant start = clock.instant();
    host.fake.on(PROBE_B.split(" ")).answer(a -> {
      probedAt.add(Duration.between(start, clock.instant()).toSeconds());
      return new Reply(4, "", "iscsiadm: cannot make connection to 10.20.1.180: No route to host\n");
    });

    // Half an hour of rounds, one every 30 s, and three rounds at once in between (a round is never a loop).
    for (int round = 0; round <= 60; round++) {
      repairer.repairAll();
      repairer.repairAll();
      clock.advance(PathRepairer.PERIOD);
    }

    assertThat(probedAt).startsWith(0L, 30L, 90L, 210L, 330L);
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < probedAt.size(); i++) {
      gaps.add(probedAt.get(i) - probedAt.get(i - 1));
    }
    assertThat(gaps).allMatch(g -> g >= 30 && g <= 120);
    assertThat(gaps.subList(2, gaps.size())).containsOnly(120L);
    assertThat(host.fake.calls()).noneMatch(c -> c.contains(PORTAL_B) && !c.equals(PROBE_B));
    assertThat(host.state.volume("mylun").orElseThrow().phase()).isEqualTo(StagedVolume.Phase.STAGED);
    assertThat(host.state.volume("mylun").orElseThrow().devices()).containsOnlyKeys("sdc");
    assertThat(host.mountTable()).anyMatch(l -> l.contains(STAGING));
    assertThat(repairer.pending("mylun")).containsOnlyKeys(io.ocfs2iscsi.node.tools.Portal.parse(PORTAL_B));
    VolumeHealth h = new VolumeInspector(host.tools, host.state, repairer).health(ReferenceHost.spec());
    assertThat(h.problems())
        .anySatisfy(p -> assertThat(p)
            .startsWith("no session on " + PORTAL_B + " (path repair: 17 attempts since 2026-03-01T10:00:00Z, next in ")
            .contains("last: discovery through " + PORTAL_B));
  }

  @Test
  void volumesOfOneTargetShareOneProbePerPortalAndRound() {
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    io.ocfs2iscsi.agent.v1.VolumeSpec other = ReferenceHost.spec().toBuilder()
        .setVolumeId("other")
        .setTarget(ReferenceHost.spec().getTarget().toBuilder().setLun(1))
        .setMultipath(ReferenceHost.spec().getMultipath().toBuilder().setAlias("other"))
        .build();
    host.state.save(StagedVolume.staging(other, "/var/lib/kubelet/x/globalmount").withPhase(StagedVolume.Phase.STAGED));
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);

    repairer.repairAll();

    assertThat(host.fake.calls()).filteredOn(PROBE_B::equals).hasSize(1);
    assertThat(repairer.pending("mylun")).hasSize(1);
    assertThat(repairer.pending("other")).hasSize(1);
  }

  @Test
  void aPathBackAfterTenMinutesIsRepairedWithinTheBackoffCapAndAPeriod() {
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);
    Instant start = clock.instant();
    for (int round = 0; round < 20; round++) {
      repairer.repairAll();
      clock.advance(PathRepairer.PERIOD);
    }
    Instant back = clock.instant();
    host.downPortals.remove(PORTAL_B);

    int repaired = 0;
    while (repaired == 0 && Duration.between(start, clock.instant()).toMinutes() < 30) {
      repaired = repairer.repairAll();
      if (repaired == 0) {
        clock.advance(PathRepairer.PERIOD);
      }
    }

    assertThat(repaired).isEqualTo(1);
    assertThat(Duration.between(back, clock.instant()))
        .isLessThanOrEqualTo(PathRepairer.MAX_BACKOFF.plus(PathRepairer.PERIOD));
    assertThat(host.loggedIn).containsExactly(PORTAL_A, PORTAL_B);
    assertThat(repairer.pending("mylun")).isEmpty();
  }

  @Test
  void aVolumeThatAnUnstageHoldsGetsNoLogin() {
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    host.downPortals.remove(PORTAL_B);
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);

    try (VolumeLocks.Held unstaging = host.locks.acquire("mylun", "NodeUnstageVolume")) {
      assertThat(repairer.repairAll()).isZero();
    }

    assertThat(host.fake.calls()).noneMatch(c -> c.contains(PORTAL_B) && !c.equals(PROBE_B));
    assertThat(host.loggedIn).containsExactly(PORTAL_A);
  }

  @Test
  void aVolumeUnstagedWhileItsPortalIsProbedGetsNoLogin() {
    host.discoveryListsEveryPortal = false;
    stageWithPortalBDown();
    host.downPortals.remove(PORTAL_B);
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);
    host.fake.on(PROBE_B.split(" ")).answer(a -> {
      // kubelet's NodeUnstageVolume runs while the portal is being asked; the repairer holds nothing then.
      host.stager.unstage(new Requests.Unstage("mylun", STAGING));
      return Reply.ok(Fixtures.captured("e2e/iscsiadm-discovery-portal-b.txt"));
    });

    assertThat(repairer.repairAll()).isZero();

    assertThat(host.state.volume("mylun")).isEmpty();
    assertThat(host.loggedIn).isEmpty();
    assertThat(host.fake.calls()).noneMatch(c -> c.endsWith(" --login") || c.endsWith(" -o new"));
  }

  @Test
  void aRecordMadeWithoutDiscoveryGetsTheChapCredentialsOfTheTargetsOtherRecords() {
    host.discoveryListsEveryPortal = false;
    io.ocfs2iscsi.agent.v1.VolumeSpec chapSpec = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder().setChap(true)).build();
    stageWithPortalBDown(chapSpec, Map.of(
        ChapSecretKeys.SESSION_USERNAME, "chap-user-0451", ChapSecretKeys.SESSION_PASSWORD, "S3cretPassw0rd!"));
    host.downPortals.remove(PORTAL_B);
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);

    assertThat(repairer.repairAll()).isEqualTo(1);

    assertThat(host.read("/etc/iscsi/nodes/" + IQN + "/10.20.1.180,3260,-1/default"))
        .contains("node.session.auth.authmethod = CHAP", "node.session.auth.username = chap-user-0451",
            "node.session.auth.password = S3cretPassw0rd!");
    assertThat(host.fake.calls()).noneMatch(c -> c.contains("S3cretPassw0rd!"));
  }

  @Test
  void withoutCredentialsInAnyRecordAChapVolumesPathWaitsForTheNextStage() {
    host.discoveryListsEveryPortal = false;
    io.ocfs2iscsi.agent.v1.VolumeSpec chapSpec = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder().setChap(true)).build();
    stageWithPortalBDown(chapSpec, Map.of(
        ChapSecretKeys.SESSION_USERNAME, "chap-user-0451", ChapSecretKeys.SESSION_PASSWORD, "S3cretPassw0rd!"));
    // An administrator rewrote portal A's record without the credentials.
    host.write("/etc/iscsi/nodes/" + IQN + "/192.168.0.180,3260,1/default",
        "# BEGIN RECORD 2.1.8\nnode.name = " + IQN + "\nnode.session.auth.authmethod = None\n# END RECORD\n");
    host.downPortals.remove(PORTAL_B);
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);

    assertThat(repairer.repairAll()).isZero();

    assertThat(host.fake.calls()).noneMatch(c -> c.endsWith(PORTAL_B + " --login"));
    assertThat(repairer.pending("mylun").values())
        .singleElement()
        .satisfies(f -> assertThat(f.last()).contains("waits for the next NodeStageVolume"));
  }

  private PathRepairer stagedOnBothPathsThenPortalBGivenUp() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);
    // The target restarted; its portal answered before the target existed again: iscsid gave the session up.
    host.giveUpSession(PORTAL_B);
    host.fake.clearCalls();
    return repairer;
  }

  @Test
  void aSessionIscsidGaveUpIsLoggedOutAndInAgainOnceItStaysFreePastTheGracePeriod() {
    PathRepairer repairer = stagedOnBothPathsThenPortalBGivenUp();
    int sid = host.sidOf(PORTAL_B);

    assertThat(repairer.repairAll()).as("the round that first sees it FREE waits").isZero();
    assertThat(host.fake.calls()).noneMatch(c -> c.contains(" -u") || c.endsWith("--login") || c.endsWith("--logout"));
    VolumeHealth meanwhile = new VolumeInspector(host.tools, host.state, repairer).health(ReferenceHost.spec());
    assertThat(meanwhile.problems())
        .anySatisfy(p -> assertThat(p).startsWith("session " + sid + " on " + PORTAL_B + " is FREE (path repair: "));

    clock.advance(PathRepairer.PERIOD);
    int repaired = repairer.repairAll();

    assertThat(repaired).isEqualTo(1);
    assertThat(host.fake.calls())
        .as("that one session logged out by its sid, then logged in again through its node record")
        .containsSubsequence(
            PROBE_B,
            "iscsiadm -m session -r " + sid + " -u",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login")
        .noneMatch(c -> c.contains(PORTAL_A) && (c.endsWith("--logout") || c.endsWith("--login")))
        .noneMatch(c -> c.equals("iscsiadm -m session -r " + host.sidOf(PORTAL_A) + " -u"));
    assertThat(host.givenUpPortals).isEmpty();
    assertThat(host.loggedIn).containsExactly(PORTAL_A, PORTAL_B);
    VolumeHealth after = new VolumeInspector(host.tools, host.state, repairer).health(ReferenceHost.spec());
    assertThat(after.problems()).isEmpty();
    assertThat(after.paths()).hasSize(2);
    assertThat(repairer.pending("mylun")).isEmpty();
  }

  @Test
  void aFreeSessionWhosePortalDoesNotAnswerIsLeftToIscsidsOwnRetries() {
    PathRepairer repairer = stagedOnBothPathsThenPortalBGivenUp();
    // The link to portal B is down: iscsid keeps logging the session in again by itself (it shows FREE meanwhile).
    host.downPortals.add(PORTAL_B);

    for (int round = 0; round < 20; round++) {
      repairer.repairAll();
      clock.advance(PathRepairer.PERIOD);
    }

    assertNoLoginOrLogout();
    assertThat(host.givenUpPortals).containsExactly(PORTAL_B);
    VolumeHealth h = new VolumeInspector(host.tools, host.state, repairer).health(ReferenceHost.spec());
    assertThat(h.problems()).anySatisfy(p -> assertThat(p)
        .startsWith("session " + host.sidOf(PORTAL_B) + " on " + PORTAL_B + " is FREE (path repair: FREE since "
            + "2026-03-01T10:00:00Z;")
        .contains("attempts since", "last: discovery through " + PORTAL_B));
  }

  @Test
  void aFreeSessionThePluginDidNotLogInIsReportedAndLeftAlone() {
    // An administrator's session through portal B existed before the stage: the plugin uses it, never logs it out.
    host.loggedIn.add(PORTAL_B);
    host.sessionDisk(PORTAL_B);
    PathRepairer repairer = stagedOnBothPathsThenPortalBGivenUp();

    for (int round = 0; round < 4; round++) {
      repairer.repairAll();
      clock.advance(PathRepairer.PERIOD);
    }

    assertNoLoginOrLogout();
    assertThat(host.givenUpPortals).containsExactly(PORTAL_B);
    VolumeHealth h = new VolumeInspector(host.tools, host.state, repairer).health(ReferenceHost.spec());
    assertThat(h.problems()).anySatisfy(p -> assertThat(p)
        .contains("is FREE (path repair: FREE since", "left alone: this plugin did not log it in"));
  }

  @Test
  void aFreeSessionThatStillCarriesAnotherVolumesDiskIsLeftAlone() {
    io.ocfs2iscsi.agent.v1.VolumeSpec other = ReferenceHost.spec().toBuilder()
        .setVolumeId("other")
        .setTarget(ReferenceHost.spec().getTarget().toBuilder().setLun(1))
        .setMultipath(ReferenceHost.spec().getMultipath().toBuilder().setAlias("other"))
        .build();
    PathRepairer repairer = stagedOnBothPathsThenPortalBGivenUp();
    host.state.save(StagedVolume.staging(other, "/var/lib/kubelet/x/globalmount").withPhase(StagedVolume.Phase.STAGED));
    // LUN 1, the other volume's, is still a disk behind portal B's session.
    host.lunDisk(PORTAL_B, 1, "sdf", "36001405aa11bb22cc33dd44ee55ff660");

    for (int round = 0; round < 4; round++) {
      repairer.repairAll();
      clock.advance(PathRepairer.PERIOD);
    }

    assertThat(host.fake.calls()).noneMatch(c -> c.matches("iscsiadm -m session -r \\d+ -u") || c.endsWith("--logout")
        || c.endsWith(PORTAL_B + " --login"));
    assertThat(host.givenUpPortals).containsExactly(PORTAL_B);
    VolumeHealth h = new VolumeInspector(host.tools, host.state, repairer).health(ReferenceHost.spec());
    assertThat(h.problems()).anySatisfy(p -> assertThat(p)
        .contains("is FREE (path repair: FREE since", "left alone: it still carries a disk of volume other"));
  }

  @Test
  void aBoundPortalsGivenUpSessionIsLoggedInAgainThroughTheIfaceOfItsNic() {
    host.withInterfaces("eth1", "eth2");
    io.ocfs2iscsi.agent.v1.VolumeSpec bound = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder()
            .putPortalInterfaces(PORTAL_A, "eth1").putPortalInterfaces(PORTAL_B, "eth2"))
        .build();
    host.stager.stage(new Requests.Stage("mylun", STAGING, bound, Map.of(), List.of()));
    PathRepairer repairer = new PathRepairer(host.tools, host.state, host.locks, host.targets, ReferenceHost.FAST, clock);
    host.giveUpSession(PORTAL_B);
    host.fake.clearCalls();

    repairer.repairAll();
    clock.advance(PathRepairer.PERIOD);
    assertThat(repairer.repairAll()).isEqualTo(1);

    assertThat(host.fake.calls()).containsSubsequence(
        PROBE_B + " -I ocfs2iscsi-eth2",
        "iscsiadm -m session -r " + host.sidOf(PORTAL_B) + " -u",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login -I ocfs2iscsi-eth2");
    assertThat(host.ifaceOfSession).containsEntry(PORTAL_B, "ocfs2iscsi-eth2");
    assertThat(host.givenUpPortals).isEmpty();
  }

  @Test
  void aLogoutThatFailsIsTriedAgainWithTheRepairsBackoff() {
    PathRepairer repairer = stagedOnBothPathsThenPortalBGivenUp();
    String logout = "iscsiadm -m session -r " + host.sidOf(PORTAL_B) + " -u";
    host.fake.on(logout.split(" ")).reply(new Reply(20, "", "iscsiadm: can not connect to iSCSI daemon (111)!\n"));

    for (int round = 0; round < 8; round++) {
      repairer.repairAll();
      clock.advance(PathRepairer.PERIOD);
    }

    // FREE seen at 0 s; logouts at 30, then 30 + 30, + 60, + 120 s: 4 in 4 minutes, not one per round.
    assertThat(host.fake.calls()).filteredOn(logout::equals).hasSizeBetween(2, 4);
    assertThat(repairer.note("mylun", io.ocfs2iscsi.node.tools.Portal.parse(PORTAL_B)))
        .contains("FREE since", "attempts since", "cannot talk to iscsid");
  }

  /** The repair neither logged a session out (by sid or record) nor logged one in. */
  private void assertNoLoginOrLogout() {
    assertThat(host.fake.calls()).noneMatch(c -> c.matches("iscsiadm -m session -r \\d+ -u") || c.endsWith("--logout")
        || c.endsWith("--login"));
  }
}
