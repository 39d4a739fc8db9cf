package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.Fixtures.golden;
import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.state.StagedVolume;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStagerTest {

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  static Requests.Stage stage(VolumeSpec spec) {
    return new Requests.Stage(spec.getVolumeId(), STAGING, spec, Map.of(), List.of());
  }

  @Test
  void fullStageSequenceOnAFreshNode() {
    host.stager.stage(stage(ReferenceHost.spec()));

    // Discovery runs through both portals at once.
    assertThat(host.fake.calls().subList(1, 3))
        .containsExactlyInAnyOrder(
            "iscsiadm -m discovery -t sendtargets -p " + PORTAL_A + " -o new",
            "iscsiadm -m discovery -t sendtargets -p " + PORTAL_B + " -o new");
    assertThat(host.fake.calls().stream().filter(c -> !c.startsWith("iscsiadm -m discovery")).toList())
        .containsExactly(
            "iscsiadm -m session -P 1",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A
                + " -o update -n node.session.timeo.replacement_timeout -v 10",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " -o update -n node.startup -v automatic",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " --login",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B
                + " -o update -n node.session.timeo.replacement_timeout -v 10",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " -o update -n node.startup -v automatic",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login",
            "iscsiadm -m session -P 1",
            "/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sdc",
            "/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sdd",
            "multipath -ll mylun",
            "/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sda",
            "multipath -a /dev/sdc",
            "multipathd reconfigure",
            "multipath -ll mylun",
            "blkid -p -o export " + DEVICE,
            "mount -t ocfs2 -o _netdev,noatime,acl,user_xattr " + DEVICE + " " + STAGING);

    assertThat(host.read("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf"))
        .isEqualTo(golden("multipath-reference-mylun.conf"));
    assertThat(host.read("/etc/multipath/conf.d/ocfs2iscsi.conf"))
        .contains("polling_interval 3")
        .contains("wwid \"^0QEMU_QEMU_HARDDISK_drive-scsi0$\"");
    StagedVolume v = host.state.volume("mylun").orElseThrow();
    assertThat(v.phase()).isEqualTo(StagedVolume.Phase.STAGED);
    assertThat(v.wwid()).isEqualTo(ReferenceHost.WWID);
    assertThat(v.uuid()).isEqualTo(ReferenceHost.UUID);
    assertThat(v.devices()).containsOnlyKeys("sdc", "sdd");
  }

  /**
   * multipathd sets every iSCSI path's session recovery_tmo to its own fast_io_fail_tmo (5 s unless configured) when
   * it takes the path, whatever replacement_timeout the node record says: the drop-in must set it to the volume's
   * replacement timeout, in the devices entry (the multipaths section does not accept it).
   */
  @Test
  void dropInMakesMultipathdApplyTheVolumesReplacementTimeout() {
    host.stager.stage(stage(ReferenceHost.spec()));

    String dropIn = host.read("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf");
    String devices = dropIn.substring(0, dropIn.indexOf("multipaths {"));
    assertThat(devices).as("devices entry of the drop-in:%n%s", dropIn).contains("\t\tfast_io_fail_tmo 10\n");
  }

  @Test
  void pingIntervalAndTimeoutGoOnEveryNodeRecordBeforeTheLogin() {
    VolumeSpec spec = ReferenceHost.spec().toBuilder().setTarget(ReferenceHost.spec().getTarget().toBuilder()
        .setNoopOutIntervalSeconds(2).setNoopOutTimeoutSeconds(3)).build();

    host.stager.stage(stage(spec));

    for (String portal : List.of(PORTAL_A, PORTAL_B)) {
      String node = "iscsiadm -m node -T " + IQN + " -p " + portal;
      assertThat(host.fake.calls()).containsSubsequence(
          node + " -o update -n node.conn[0].timeo.noop_out_interval -v 2",
          node + " -o update -n node.conn[0].timeo.noop_out_timeout -v 3",
          node + " --login");
    }
  }

  @Test
  void stageLogsTheDurationOfEveryStepInOneLine() {
    try (LogCapture log = new LogCapture()) {
      host.stager.stage(stage(ReferenceHost.spec()));
      assertThat(log.lines())
          .anySatisfy(l -> assertThat(l).matches(
              "stage steps of mylun: iscsi_login=[0-9]+\\.[0-9]{2}s wwid=[0-9]+\\.[0-9]{2}s"
                  + " multipath=[0-9]+\\.[0-9]{2}s o2cb=[0-9]+\\.[0-9]{2}s mount=[0-9]+\\.[0-9]{2}s"
                  + " total=[0-9]+\\.[0-9]{2}s"));
    }
  }

  @Test
  void stagingTwiceOnlyChecks() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.fake.clearCalls();

    host.stager.stage(stage(ReferenceHost.spec()));

    assertThat(host.fake.calls()).containsExactly("iscsiadm -m session -P 1", "multipath -ll mylun");
    assertThat(host.mountTable()).filteredOn(l -> l.contains(STAGING)).hasSize(1);
  }

  @Test
  void afterARestartTheStateFileIsEnough() {
    host.stager.stage(stage(ReferenceHost.spec()));
    ReferenceHost restarted = new ReferenceHost(root);
    restarted.loggedIn.addAll(host.loggedIn);
    restarted.mapBuilt = true;

    restarted.stager.stage(stage(ReferenceHost.spec()));

    // Known disks are not read again (local disks once per process, for the blacklist); the cluster comes from
    // the state dir and is online already.
    assertThat(restarted.fake.calls())
        .containsExactly(
            "iscsiadm -m session -P 1",
            "multipath -ll mylun",
            "/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sda",
            "uname -n");
  }

  @Test
  void fullUnstageSequenceInReverse() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.fake.calls())
        .containsExactly(
            "umount " + STAGING,
            "dmsetup info mylun",
            "dmsetup info mylun",
            "multipathd disablequeueing map mylun",
            "multipath -f mylun",
            "iscsiadm -m session -P 1",
            "/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sdc",
            "/lib/udev/scsi_id --whitelisted --replace-whitespace --device=/dev/sdd",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " --logout",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " -o delete",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --logout",
            "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " -o delete");
    assertThat(host.state.volume("mylun")).isEmpty();
    assertThat(host.loggedIn).isEmpty();
    assertThat(host.exists("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf")).isFalse();
    assertThat(host.mountTable()).noneMatch(l -> l.contains(STAGING));
  }

  @Test
  void scsiDisksAreDeletedBeforeTheLogout() {
    host.stager.stage(stage(ReferenceHost.spec()));
    String sdcDelete = "/sys/class/iscsi_session/session1/device/target3:0:0/3:0:0:0/block/sdc/device/delete";
    host.fake.on("iscsiadm", "-m", "node", "-T", IQN, "-p", PORTAL_A, "--logout")
        .answer(a -> {
          assertThat(host.read(sdcDelete)).isEqualTo("1");
          return Reply.ok();
        });
    host.fake.on("iscsiadm", "-m", "node", "-T", IQN, "-p", PORTAL_B, "--logout").reply(Reply.ok());

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.fake.calls()).contains("iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " --logout");
  }

  @Test
  void unstagingTwiceAndUnstagingWhatWasNeverStagedDoNothing() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.stager.unstage(new Requests.Unstage("mylun", STAGING));
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));
    host.stager.unstage(new Requests.Unstage("never-staged", "/var/lib/kubelet/other/globalmount"));

    assertThat(host.fake.calls()).isEmpty();
  }

  @Test
  void unstageHalfWayAfterAFailedStageCleansUp() {
    host.wwidOfDevice.put("sdd", "36001405deadbeef");
    assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec()))).isInstanceOf(NodeException.class);
    assertThat(host.loggedIn).hasSize(2);

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.loggedIn).isEmpty();
    assertThat(host.state.volume("mylun")).isEmpty();
  }

  @Test
  void onePortalDownStagesWithOnePathAndReportsIt() {
    host.downPortals.add(PORTAL_B);

    host.stager.stage(stage(ReferenceHost.spec()));

    assertThat(host.loggedIn).containsExactly(PORTAL_A);
    assertThat(host.mountTable()).anyMatch(l -> l.startsWith(DEVICE + " " + STAGING + " ocfs2"));
    // B's own discovery failed and A serves the target: no login through B (the path repair retries it).
    assertThat(host.fake.calls())
        .doesNotContain("iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login")
        .doesNotContain("multipath -a /dev/sdd");
    VolumeHealth h = host.inspector.health(ReferenceHost.spec());
    assertThat(h.sessions()).extracting(VolumeHealth.Session::portal, VolumeHealth.Session::state,
        VolumeHealth.Session::sid, VolumeHealth.Session::iface)
        .containsExactly(tuple(PORTAL_A, "LOGGED_IN", 1, "default"), tuple(PORTAL_B, "NONE", 0, ""));
    assertThat(h.problems()).contains("no session on " + PORTAL_B);
    assertThat(h.mounted()).isTrue();
  }

  @Test
  void firstPortalDownDiscoversThroughTheSecond() {
    host.downPortals.add(PORTAL_A);

    host.stager.stage(stage(ReferenceHost.spec()));

    assertThat(host.fake.calls())
        .contains(
            "iscsiadm -m discovery -t sendtargets -p " + PORTAL_A + " -o new",
            "iscsiadm -m discovery -t sendtargets -p " + PORTAL_B + " -o new");
    assertThat(host.loggedIn).containsExactly(PORTAL_B);
  }

  @Test
  void everyPortalDownIsAnInternalErrorWithIscsiadmsReason() {
    host.downPortals.addAll(List.of(PORTAL_A, PORTAL_B));

    assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INTERNAL))
        .hasMessageContaining("no iSCSI path")
        .hasMessageContaining("transport error");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mount") || c.startsWith("multipath"));
  }

  @Test
  void wwidMismatchBetweenPathsStopsBeforeMapMountAndFormat() {
    host.wwidOfDevice.put("sdd", "36001405deadbeef");

    assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("WWID mismatch")
        .hasMessageContaining("36001405deadbeef");
    assertThat(host.fake.calls())
        .noneMatch(c -> c.startsWith("multipath") || c.startsWith("mount") || c.startsWith("mkfs")
            || c.startsWith("blkid"));
    assertThat(host.exists("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf")).isFalse();
  }

  @Test
  void pinnedWwidMismatchStopsToo() {
    VolumeSpec pinned =
        ReferenceHost.spec().toBuilder()
            .setMultipath(ReferenceHost.spec().getMultipath().toBuilder().setWwid("36001405aaaaaaaa"))
            .build();

    assertThatThrownBy(() -> host.stager.stage(stage(pinned)))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("pinned to WWID 36001405aaaaaaaa");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mount") || c.startsWith("multipathd"));
  }

  @Test
  void slowUdevIsWaitedFor() {
    host.udevBusyReads = 2;

    host.stager.stage(stage(ReferenceHost.spec()));

    assertThat(host.fake.calls())
        .filteredOn(c -> c.endsWith("--device=/dev/sdc"))
        .hasSize(3);
  }

  @Test
  void unformattedVolumeIsNotMountedAndNeverFormattedByStage() {
    host.filesystem = null;

    assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("not formatted yet");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs") || c.startsWith("mount -t ocfs2"));
  }

  @Test
  void foreignFilesystemIsNotMounted() {
    host.filesystem = "ext4";

    assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("carries ext4");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mount -t ocfs2"));
  }

  @Test
  void withoutAnAppliedClusterStageIsUnavailable(@TempDir Path fresh) {
    ReferenceHost noCluster = new ReferenceHost(fresh);

    assertThatThrownBy(() -> noCluster.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.UNAVAILABLE))
        .hasMessageContaining("no o2cb cluster has been applied");
    assertThat(noCluster.fake.calls()).noneMatch(c -> c.startsWith("mount"));
  }

  @Test
  void aClusterWithoutThisNodeIsUnavailable(@TempDir Path fresh) {
    ReferenceHost other = new ReferenceHost(fresh);
    other.cluster.apply(ReferenceHost.clusterRequest().toBuilder().removeMembers(0).build());

    assertThatThrownBy(() -> other.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.UNAVAILABLE))
        .hasMessageContaining("does not contain this node");
  }

  @Test
  void aliasUsedByAnotherLunIsRefused() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.stager.unstage(new Requests.Unstage("mylun", STAGING));
    host.mapBuilt = true;
    host.fake.on("multipath", "-ll", "mylun")
        .reply(Reply.ok("mylun (36001405ffffffff) dm-1 LIO-ORG,disk1\nsize=1G features='0' hwhandler='0' wp=rw\n"));

    assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("already used by another LUN");
  }

  @Test
  void unstageRefusesWhilePublished() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
    host.fake.clearCalls();

    assertThatThrownBy(() -> host.stager.unstage(new Requests.Unstage("mylun", STAGING)))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining(TARGET_1);
    assertThat(host.fake.calls()).isEmpty();
  }

  @Test
  void unstageKeepsSessionsAnotherStagedVolumeUses() {
    host.stager.stage(stage(ReferenceHost.spec()));
    VolumeSpec other =
        ReferenceHost.spec().toBuilder()
            .setVolumeId("other")
            .setTarget(ReferenceHost.spec().getTarget().toBuilder().setLun(1))
            .setMultipath(ReferenceHost.spec().getMultipath().toBuilder().setAlias("other"))
            .build();
    host.state.save(StagedVolume.staging(other, "/var/lib/kubelet/x/globalmount")
        .withPhase(StagedVolume.Phase.STAGED));
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(host.fake.calls()).noneMatch(c -> c.contains("--logout") || c.contains("-o delete"));
    assertThat(host.loggedIn).hasSize(2);
    assertThat(host.read("/sys/class/iscsi_session/session1/device/target3:0:0/3:0:0:0/block/sdc/device/delete"))
        .isEqualTo("1");
  }

  @Test
  void aSecondOperationOnTheSameVolumeIsAborted() {
    try (VolumeLocks.Held busy = host.locks.acquire("mylun", "test")) {
      assertThatThrownBy(() -> host.stager.stage(stage(ReferenceHost.spec())))
          .isInstanceOfSatisfying(
              NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED));
      assertThatThrownBy(() -> host.stager.unstage(new Requests.Unstage("mylun", STAGING)))
          .isInstanceOfSatisfying(
              NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED));
    }
    assertThat(host.fake.calls()).isEmpty();
  }

  @Test
  void unstageWaitsForNoOtherCallOnTheRecordedLun() {
    host.stager.stage(stage(ReferenceHost.spec()));
    host.fake.clearCalls();

    try (VolumeLocks.Held format =
        host.locks.acquire("mylun-again", ReferenceHost.spec().getTarget(), "FormatVolume")) {
      assertThatThrownBy(() -> host.stager.unstage(new Requests.Unstage("mylun", STAGING)))
          .isInstanceOfSatisfying(
              NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED));
    }
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("umount") || c.contains("--logout"));
  }

  @Test
  void invalidArgumentsNeverReachTheHost() {
    VolumeSpec spec = ReferenceHost.spec();
    VolumeSpec badAlias =
        spec.toBuilder().setMultipath(spec.getMultipath().toBuilder().setAlias("my lun; reboot")).build();

    for (Runnable call :
        List.<Runnable>of(
            () -> host.stager.stage(new Requests.Stage("", STAGING, spec, Map.of(), List.of())),
            () -> host.stager.stage(new Requests.Stage("mylun", "relative/path", spec, Map.of(), List.of())),
            () -> host.stager.stage(new Requests.Stage("mylun", "/a/../etc", spec, Map.of(), List.of())),
            () -> host.stager.stage(new Requests.Stage("mylun", STAGING, badAlias, Map.of(), List.of())),
            () -> host.stager.stage(new Requests.Stage("other", STAGING, spec, Map.of(), List.of())),
            () -> host.stager.stage(new Requests.Stage("mylun", STAGING, spec, Map.of(), List.of("ro,exec"))),
            () -> host.stager.unstage(new Requests.Unstage("mylun", "")))) {
      assertThatThrownBy(call::run)
          .isInstanceOfSatisfying(
              NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT));
    }
    assertThat(host.fake.calls()).isEmpty();
  }
}
