package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.Portal;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Unstage logs out only the sessions the plugin itself logged in, and only when no staged volume and no call in
 * progress (FormatVolume) still uses them. A session that existed before the plugin's login is someone else's.
 */
class SessionOwnershipTest {

  private static final String LUN1_WWID = "36001405b0b1b2b3b4b5b6b7b8b9babb";
  private static final String ADMIN_RECORD = "/etc/iscsi/nodes/" + IQN + "/192.168.0.180,3260,1/default";

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  private static Requests.Stage stage(VolumeSpec spec) {
    return new Requests.Stage(spec.getVolumeId(), STAGING, spec, Map.of(), List.of());
  }

  /** A second volume: LUN 1 of the same target on the same portals. */
  private static VolumeSpec lun1(String volumeId) {
    VolumeSpec spec = ReferenceHost.spec();
    return spec.toBuilder()
        .setVolumeId(volumeId)
        .setTarget(spec.getTarget().toBuilder().setLun(1))
        .setMultipath(spec.getMultipath().toBuilder().setAlias(volumeId))
        .build();
  }

  private List<String> logouts() {
    return host.fake.calls().stream().filter(c -> c.endsWith("--logout")).toList();
  }

  @Test
  void anAdministratorsSessionThatExistedBeforeTheStageSurvivesTheUnstage() {
    host.write(ADMIN_RECORD, "# BEGIN RECORD 2.1.8\nnode.name = " + IQN + "\nnode.tpgt = 1\nnode.startup = manual\n"
        + "# END RECORD\n");
    host.loggedIn.add(PORTAL_A);
    host.sessionDisk(PORTAL_A);
    host.stager.stage(stage(ReferenceHost.spec()));
    assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.loggedIn).as("the administrator's session").containsExactly(PORTAL_A);
    assertThat(logouts()).containsExactly("iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --logout");
    assertThat(host.exists(ADMIN_RECORD)).as("the administrator's node record").isTrue();
    assertThat(host.state.volume("mylun")).isEmpty();
  }

  @Test
  void unstagingWhileAFormatVolumeOnTheSameTargetRunsKeepsTheSessions() throws Exception {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.lunDisk(PORTAL_A, 1, "sde", LUN1_WWID);
    host.lunDisk(PORTAL_B, 1, "sdf", LUN1_WWID);
    CountDownLatch formatting = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    host.fake.on("/lib/udev/scsi_id", "--whitelisted", "--replace-whitespace", "--device=/dev/sde")
        .answer(a -> {
          formatting.countDown();
          await(release);
          return Reply.ok(LUN1_WWID + "\n");
        });
    // Pinned to another WWID, the format stops cleanly right after its identity check.
    VolumeSpec second = lun1("second");
    VolumeSpec pinned =
        second.toBuilder().setMultipath(second.getMultipath().toBuilder().setWwid("36001405ffffffffffffffffffffffff"))
            .build();
    CompletableFuture<VolumeFormatter.Result> format =
        CompletableFuture.supplyAsync(() -> host.formatter.format(pinned, Map.of()));
    assertThat(formatting.await(10, TimeUnit.SECONDS)).as("FormatVolume reached its identity check").isTrue();
    host.fake.clearCalls();

    try {
      host.stager.unstage(new Requests.Unstage("mylun", STAGING));

      assertThat(logouts()).as("FormatVolume still reads LUN 1 through both sessions").isEmpty();
      assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);
      assertThat(host.state.volume("mylun")).isEmpty();
    } finally {
      release.countDown();
    }
    assertThatThrownBy(() -> format.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(NodeException.class);
  }

  @Test
  void twoVolumesOnOneTargetTheFirstUnstageKeepsTheSessionsTheLastLogsOut() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.state.save(StagedVolume.staging(lun1("second"), "/var/lib/kubelet/plugins/x/globalmount")
        .withLun(LUN1_WWID, Map.of()).withPhase(StagedVolume.Phase.STAGED));
    host.fake.on("multipath", "-ll", "second").reply(new Reply(1, "", ""));
    host.fake.on("dmsetup", "info", "second")
        .reply(new Reply(1, "Device does not exist.\n", "Command failed.\n"));
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(logouts()).isEmpty();
    assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);

    host.stager.unstage(new Requests.Unstage("second", "/var/lib/kubelet/plugins/x/globalmount"));

    assertThat(logouts()).hasSize(2);
    assertThat(host.loggedIn).isEmpty();
  }

  @Test
  void aPortalThatWasDownAtStageIsThePluginsWhenItsSessionComesLater() {
    host.downPortals.add(PORTAL_B);
    host.stager.stage(stage(ReferenceHost.spec()));
    host.downPortals.clear();
    host.tools.iscsiadm().login(IQN, Portal.parse(PORTAL_B));
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(logouts()).hasSize(2);
    assertThat(host.loggedIn).isEmpty();
  }

  @Test
  void aRestartedPluginStillKnowsWhichSessionsItLoggedIn() {
    host.stager.stage(stage(ReferenceHost.spec()));
    ReferenceHost restarted = new ReferenceHost(root);
    restarted.loggedIn.addAll(host.loggedIn);
    restarted.mapBuilt = true;
    restarted.write(ReferenceHost.DEVICE, "");

    restarted.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(restarted.loggedIn).isEmpty();
    assertThat(host.state.ownedSessions(IQN).portals()).isEmpty();
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(10, TimeUnit.SECONDS)) {
        throw new AssertionError("not released");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
