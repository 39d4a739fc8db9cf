package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.testing.ReferenceHost.DEVICE;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.Cancellation;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeFormatterTest {

  private static final String MKFS =
      "mkfs.ocfs2 -b 4K -C 32K -N 4 -L ISCSI --cluster-stack=o2cb --cluster-name=iscsi " + DEVICE;

  private static final String WIPEFS = "wipefs --no-act --noheadings --output OFFSET,TYPE " + DEVICE;

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  @Test
  void blankLunIsFormattedOnceAndTheNewUuidReturned() {
    host.filesystem = null;

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FORMATTED);
    assertThat(r.uuid()).isEqualTo(ReferenceHost.UUID);
    assertThat(r.wwid()).isEqualTo(ReferenceHost.WWID);
    assertThat(r.device()).isEqualTo(DEVICE);
    assertThat(r.label()).isEqualTo("ISCSI");
    List<String> calls = host.fake.calls();
    assertThat(calls).containsSubsequence(
        "blkid -p -o export " + DEVICE, "mounted.ocfs2 -d " + DEVICE, WIPEFS, "multipath -ll mylun", MKFS,
        "blkid -p -o export " + DEVICE);
    assertThat(calls).filteredOn(MKFS::equals).hasSize(1);
  }

  /**
   * Right after mkfs, udev's blkid opens the new map for a moment: the plugin's check finds no user, then the
   * flush meets udev's open and multipath answers "map in use". That race is brief and must not fail the format
   * (it left the sessions behind on the real kernel).
   */
  @Test
  void aFlushThatMeetsUdevsBriefOpenAfterMkfsIsRetried() {
    host.filesystem = null;
    AtomicInteger flushes = new AtomicInteger();
    host.fake.on("multipath", "-f", "mylun").answer(a -> {
      if (flushes.incrementAndGet() == 1) {
        return FakeCommandRunner.Reply.fail(1, "Dec 01 22:10:01 | mylun: map in use\n");
      }
      host.mapBuilt = false;
      return FakeCommandRunner.Reply.ok();
    });

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FORMATTED);
    assertThat(host.mapBuilt).as("the map is gone after the format (flushes: %s)", flushes).isFalse();
    assertThat(flushes).hasValue(2);
  }

  @Test
  void probeOnlyReportsABlankLunAndNeverFormats() {
    host.filesystem = null;

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of(), true);

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.BLANK);
    assertThat(r.wwid()).isEqualTo(ReferenceHost.WWID);
    assertThat(host.fake.calls()).contains("blkid -p -o export " + DEVICE);
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void formattingTwiceFormatsOnce() {
    host.filesystem = null;

    VolumeFormatter.Result first = host.formatter.format(ReferenceHost.spec(), Map.of());
    VolumeFormatter.Result second = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(first.outcome()).isEqualTo(VolumeFormatter.Outcome.FORMATTED);
    assertThat(second.outcome()).isEqualTo(VolumeFormatter.Outcome.EXISTING_OCFS2);
    assertThat(second.uuid()).isEqualTo(first.uuid());
    assertThat(second.clusterName()).isEqualTo("iscsi");
    assertThat(host.fake.calls()).filteredOn(c -> c.startsWith("mkfs")).hasSize(1);
  }

  /** The operator records the filesystem's slots: mkfs.ocfs2's report, or the superblock of an existing one. */
  @Test
  void theNodeSlotsOfTheNewAndOfTheExistingFilesystemAreReported() {
    host.filesystem = null;

    VolumeFormatter.Result first = host.formatter.format(ReferenceHost.spec(), Map.of());
    VolumeFormatter.Result second = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(first.nodeSlots()).as("mkfs.ocfs2's 'Node slots: 4'").isEqualTo(4);
    assertThat(second.nodeSlots()).as("tunefs.ocfs2 -Q of the existing OCFS2").isEqualTo(4);
    assertThat(host.fake.calls()).contains("tunefs.ocfs2 -Q %N\\n " + DEVICE);
  }

  @Test
  void ext4IsNeverFormattedOver() {
    host.filesystem = "ext4";

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FOREIGN_SIGNATURE);
    assertThat(r.foundSignature()).isEqualTo("ext4");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void aProbeThatPrintedNoTagsIsNotTakenAsBlank() {
    host.filesystem = "ext4";
    // What the probe of an ext4 LUN looked like when its output could not be read: exit 0, nothing.
    host.fake.on("blkid", "-p", "-o", "export", DEVICE).reply(0, "", "");

    assertThatThrownBy(() -> host.formatter.format(ReferenceHost.spec(), Map.of()))
        .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.getMessage()).contains("blkid"));
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void aProbeWhoseOutputWasLostIsAFailureAndNothingIsFormatted() {
    host.filesystem = "ext4";
    host.fake.on("blkid", "-p", "-o", "export", DEVICE).reply(CommandResult.OUTPUT_LOST, "",
        "blkid exited 0, but its output not read completely (stdout: still open after the process ended)");

    assertThatThrownBy(() -> host.formatter.format(ReferenceHost.spec(), Map.of()))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.getMessage()).contains("output could not be read completely"));
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void blkidThatCouldNotOpenTheDeviceIsNotANothingFound() {
    host.filesystem = null;
    host.fake.on("blkid", "-p", "-o", "export", DEVICE)
        .reply(2, "", captured("util-linux/blkid-p-export-permission-denied.stderr.txt"));

    assertRefusedUnavailable(host.formatter, "Permission denied");
  }

  @Test
  void aSignatureOnlyWipefsFindsIsNeverFormattedOver() {
    host.filesystem = null;
    host.fake.on("wipefs", "--no-act", "--noheadings", "--output", "OFFSET,TYPE", DEVICE)
        .reply(0, captured("util-linux/wipefs-ext4-dos.txt"), "");

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FOREIGN_SIGNATURE);
    assertThat(r.foundSignature()).contains("ext4 at offset 0x438").contains("dos at offset 0x1fe");
    assertThat(r.message()).contains("nothing was written");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void aDeviceNeitherProbeCanReadIsNotBlank() {
    // blkid 2.38 exits 2 without a word for a device that is not there; wipefs says so.
    host.filesystem = null;
    host.fake.on("blkid", "-p", "-o", "export", DEVICE)
        .reply(2, captured("util-linux/blkid-p-export-no-device.txt"), "");
    host.fake.on("wipefs", "--no-act", "--noheadings", "--output", "OFFSET,TYPE", DEVICE)
        .reply(1, "", captured("util-linux/wipefs-no-device.stderr.txt"));

    assertRefusedUnavailable(host.formatter, "probing initialization failed");
  }

  @Test
  void aFailedPathInTheMapStopsTheFormat() {
    host.filesystem = null;
    host.secondPathFailed = true;

    assertRefusedUnavailable(host.formatter, "sdd");
  }

  @Test
  void aPathStillSettlingInANewMapIsWaitedFor() {
    host.filesystem = null;
    String healthy = captured("reference/multipath-ll-healthy.txt");
    AtomicInteger unchecked = new AtomicInteger(2);
    // The new map's first two listings (the mapper's, the formatter's first look) show checkers not run yet.
    host.fake.on("multipath", "-ll", "mylun").answer(a -> {
      if (!host.mapBuilt) {
        return new FakeCommandRunner.Reply(1, "", "");
      }
      return FakeCommandRunner.Reply.ok(
          unchecked.getAndDecrement() > 0 ? healthy.replace("active ready", "active undef") : healthy);
    });

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FORMATTED);
    assertThat(unchecked.get()).as("listings with settling paths left").isNegative();
  }

  @Test
  void aPathThatFailedDuringTheProbesStopsTheFormat() {
    host.filesystem = null;
    host.fake.on("wipefs", "--no-act", "--noheadings", "--output", "OFFSET,TYPE", DEVICE).answer(a -> {
      host.secondPathFailed = true;
      return FakeCommandRunner.Reply.ok(captured("util-linux/wipefs-blank.txt"));
    });

    assertRefusedUnavailable(host.formatter, "sdd");
  }

  @Test
  void aPortalWithoutAPathStopsTheFormat() {
    host.filesystem = null;
    host.downPortals.add(ReferenceHost.PORTAL_B);

    assertRefusedUnavailable(host.formatter, ReferenceHost.PORTAL_B);
  }

  @Test
  void probeOnlyReportsBlankOnlyWhenBothProbesAgree() {
    host.filesystem = null;
    host.fake.on("wipefs", "--no-act", "--noheadings", "--output", "OFFSET,TYPE", DEVICE)
        .reply(0, captured("util-linux/wipefs-swap.txt"), "");

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of(), true);

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FOREIGN_SIGNATURE);
    assertThat(r.foundSignature()).contains("swap");
  }

  private void assertRefusedUnavailable(VolumeFormatter formatter, String named) {
    assertThatThrownBy(() -> formatter.format(ReferenceHost.spec(), Map.of()))
        .isInstanceOfSatisfying(NodeException.class, e -> {
          assertThat(e.code()).isEqualTo(NodeException.Code.UNAVAILABLE);
          assertThat(e.getMessage()).contains(named).contains("nothing was written");
        });
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void twoVolumesNamingTheSameLunAreNeverFormattedAtOnce() throws Exception {
    host.filesystem = null;
    CountDownLatch inMkfs = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger mkfsRuns = new AtomicInteger();
    host.fake.onPrefix("mkfs.ocfs2").answer(argv -> {
      if (mkfsRuns.incrementAndGet() == 1) {
        inMkfs.countDown();
        awaitQuietly(release);
      }
      host.filesystem = "ocfs2";
      return FakeCommandRunner.Reply.ok(captured("reference/mkfs-ocfs2.txt"));
    });
    VolumeSpec sameLun = ReferenceHost.spec().toBuilder().setVolumeId("mylun-again").build();
    ExecutorService caller = Executors.newSingleThreadExecutor();
    try {
      Future<VolumeFormatter.Result> first = caller.submit(() -> host.formatter.format(ReferenceHost.spec(), Map.of()));
      assertThat(inMkfs.await(10, TimeUnit.SECONDS)).as("the first FormatVolume reached mkfs").isTrue();

      Throwable second = catchThrowable(() -> host.formatter.format(sameLun, Map.of()));
      release.countDown();

      assertThat(first.get(10, TimeUnit.SECONDS).outcome()).isEqualTo(VolumeFormatter.Outcome.FORMATTED);
      assertThat(mkfsRuns).as("mkfs runs on the LUN").hasValue(1);
      assertThat(second).isInstanceOfSatisfying(NodeException.class, e -> {
        assertThat(e.code()).isEqualTo(NodeException.Code.ABORTED);
        assertThat(e.getMessage()).contains("LUN 0 of " + ReferenceHost.IQN).contains("volume mylun");
      });
    } finally {
      release.countDown();
      caller.shutdownNow();
    }
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void aCallerThatGaveUpDuringTheProbesGetsNoMkfs() {
    host.filesystem = null;
    Cancellation call = Cancellation.create();
    host.fake.on("mounted.ocfs2", "-d", DEVICE).answer(a -> {
      call.cancel(Cancellation.Reason.DEADLINE_EXCEEDED);
      return FakeCommandRunner.Reply.ok(
          "Device                Stack  Cluster  F  UUID                              Label\n");
    });

    assertThatThrownBy(() -> host.formatter.format(ReferenceHost.spec(), Map.of(), false, call))
        .isInstanceOfSatisfying(NodeException.class, e -> {
          assertThat(e.code()).isEqualTo(NodeException.Code.DEADLINE_EXCEEDED);
          assertThat(e.getMessage()).contains("the caller's deadline passed");
        });
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
    assertThat(host.loggedIn).as("the sessions of the format are closed all the same").isEmpty();
  }

  @Test
  void ocfs2SeenOnlyByMountedOcfs2IsNotFormattedEither() {
    host.filesystem = null;
    host.fake.on("mounted.ocfs2", "-d", DEVICE)
        .reply(0, "Device                Stack  Cluster  F  UUID                              Label\n"
            + "/dev/mapper/mylun     o2cb   iscsi       " + ReferenceHost.REGION + "  ISCSI\n", "");

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.EXISTING_OCFS2);
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
  }

  @Test
  void theSessionsOfAFormatAreClosedWhenTheVolumeIsNotStagedHere() {
    host.filesystem = null;

    host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(host.loggedIn).isEmpty();
    assertThat(host.mapBuilt).isFalse();
  }

  @Test
  void onAStagedVolumeFormatChangesNothing() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.EXISTING_OCFS2);
    assertThat(host.loggedIn).hasSize(2);
    assertThat(host.mapBuilt).isTrue();
  }

  @Test
  void withoutTheClusterNothingIsFormatted(@TempDir Path fresh) {
    ReferenceHost noCluster = new ReferenceHost(fresh);
    noCluster.filesystem = null;

    assertThatThrownBy(() -> noCluster.formatter.format(ReferenceHost.spec(), Map.of()))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.UNAVAILABLE));
    assertThat(noCluster.fake.calls()).noneMatch(c -> c.startsWith("mkfs"));
    assertThat(noCluster.loggedIn).isEmpty();
  }

  @Test
  void invalidSpecIsRefusedBeforeAnyCommand() {
    var bad = ReferenceHost.spec().toBuilder()
        .setFilesystem(ReferenceHost.spec().getFilesystem().toBuilder().setLabel("label with spaces"))
        .build();

    assertThatThrownBy(() -> host.formatter.format(bad, Map.of()))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT));
    assertThat(host.fake.calls()).isEmpty();
  }
}
