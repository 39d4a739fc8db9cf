package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Disk names are the kernel's, not the volume's: after a reboot or a log out and in, the names a stage recorded may
 * belong to other LUNs, other targets or local disks. Unstage deletes only the disks that are, at that moment,
 * behind this volume's sessions for its LUN and report its WWID.
 */
class UnstageDiskOwnershipTest {

  private static final String OTHER_WWID = "36001405a1b2c3d4e5f60718293a4b5c";

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    host.stager.stage(stage(ReferenceHost.spec()));
    assertThat(host.state.volume("mylun").orElseThrow().devices()).containsOnlyKeys("sdc", "sdd");
  }

  private static Requests.Stage stage(VolumeSpec spec) {
    return new Requests.Stage(spec.getVolumeId(), STAGING, spec, Map.of(), List.of());
  }

  /** The logouts answer without tearing the sessions down, so that the delete switches can be read afterwards. */
  private void keepSysfsAfterLogout() {
    for (String portal : List.of(PORTAL_A, PORTAL_B)) {
      host.fake.on("iscsiadm", "-m", "node", "-T", IQN, "-p", portal, "--logout").reply(Reply.ok());
    }
  }

  @Test
  void aRecordedNameNowGivenToAnotherTargetsLunIsNotDeleted() {
    host.renameDisks("sde", "sdf");
    host.otherTargetDisk("sdc", OTHER_WWID);
    keepSysfsAfterLogout();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.deleteSwitch("sdc")).as("sdc is another target's disk now").isEmpty();
    assertThat(host.deleteSwitch("sde")).isEqualTo("1");
    assertThat(host.deleteSwitch("sdf")).isEqualTo("1");
  }

  @Test
  void aRecordedNameNowGivenToAnotherLunOfTheSameTargetIsNotDeleted() {
    host.renameDisks("sde", "sdf");
    host.lunDisk(PORTAL_A, 1, "sdc", OTHER_WWID);
    keepSysfsAfterLogout();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.deleteSwitch("sdc")).as("sdc is LUN 1 now").isEmpty();
    assertThat(host.deleteSwitch("sde")).isEqualTo("1");
    assertThat(host.deleteSwitch("sdf")).isEqualTo("1");
  }

  @Test
  void aDiskOfTheLunThatNowReportsAnotherWwidIsNotDeleted() {
    // The array now answers LUN 0 behind portal A with another volume.
    host.wwidOfDevice.put("sdc", OTHER_WWID);
    keepSysfsAfterLogout();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.deleteSwitch("sdc")).as("sdc reports " + OTHER_WWID).isEmpty();
    assertThat(host.deleteSwitch("sdd")).isEqualTo("1");
  }

  @Test
  void theDisksOfALunThatAnotherStagedVolumeAlsoNamesStay() {
    VolumeSpec twin = ReferenceHost.spec().toBuilder()
        .setVolumeId("twin")
        .setMultipath(ReferenceHost.spec().getMultipath().toBuilder().setAlias("twin"))
        .build();
    host.state.save(StagedVolume.staging(twin, "/var/lib/kubelet/plugins/x/globalmount")
        .withLun(ReferenceHost.WWID, Map.of("sdc", ReferenceHost.WWID, "sdd", ReferenceHost.WWID))
        .withPhase(StagedVolume.Phase.STAGED));

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.deleteSwitch("sdc")).isEmpty();
    assertThat(host.deleteSwitch("sdd")).isEmpty();
    assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);
  }

  @Test
  void stagingAgainAfterTheNamesChangedRecordsOnlyTheCurrentNames() {
    host.renameDisks("sde", "sdf");

    host.stager.stage(stage(ReferenceHost.spec()));

    assertThat(host.state.volume("mylun").orElseThrow().devices())
        .isEqualTo(Map.of("sde", ReferenceHost.WWID, "sdf", ReferenceHost.WWID));
  }
}
