package io.ocfs2iscsi.node.grpc;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.ExpandVolumeRequest;
import io.ocfs2iscsi.agent.v1.ExpandVolumeResponse;
import io.ocfs2iscsi.agent.v1.FormatVolumeRequest;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.PathHealth;
import io.ocfs2iscsi.agent.v1.SessionHealth;
import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.host.ProcessCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.MkfsOcfs2;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node agent over grpc-java's in-process transport. */
class NodeAgentServiceTest {

  @TempDir Path root;
  InProcessPlugin plugin;

  @BeforeEach
  void setUp() {
    plugin = new InProcessPlugin(new ReferenceHost(root));
  }

  @AfterEach
  void tearDown() throws InterruptedException {
    plugin.close();
  }

  @Test
  void getNodeInfoForAUserStackClusterNamesTheDaemonTheNodeLacks() {
    plugin.host.fake.on("dlm_controld", "-V").reply(
        io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply.fail(127, "dlm_controld: No such file or directory"));

    GetNodeInfoResponse o2cb = plugin.agent.getNodeInfo(GetNodeInfoRequest.getDefaultInstance());
    GetNodeInfoResponse user = plugin.agent.getNodeInfo(GetNodeInfoRequest.newBuilder()
        .setStack(io.ocfs2iscsi.agent.v1.ClusterStackKind.CLUSTER_STACK_USER).build());

    assertThat(o2cb.getMissingPrerequisitesList()).isEmpty();
    assertThat(user.getMissingPrerequisitesList())
        .containsExactly("dlm-controld (dlm_controld not found; the user stack needs it)");
  }

  @Test
  void getNodeInfo() {
    GetNodeInfoResponse r =
        plugin.agent.getNodeInfo(GetNodeInfoRequest.newBuilder().setAddressCidr("10.10.1.0/24").build());

    assertThat(r.getNodeName()).isEqualTo("drbd01");
    assertThat(r.getO2CbNodeName()).isEqualTo("drbd01");
    assertThat(r.getO2CbAddress()).isEqualTo("10.10.1.17");
    assertThat(r.getInitiatorName()).isEqualTo("iqn.1993-08.org.debian:01:8d74927a5fe7");
    assertThat(r.getPluginVersion()).isEqualTo("0.1.0-test");
    assertThat(r.getMissingPrerequisitesList()).isEmpty();
    assertThat(r.getToolsList()).hasSize(14).allMatch(t -> t.getPresent());
    assertThatThrownBy(() -> plugin.agent.getNodeInfo(GetNodeInfoRequest.newBuilder().setAddressCidr("10.1/x").build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void expandVolumeOfAVolumeNotStagedHereAnswersWithZerosAndRefusesToGrowIt() {
    ExpandVolumeResponse r = plugin.agent.expandVolume(
        ExpandVolumeRequest.newBuilder().setVolume(ReferenceHost.spec()).build());

    assertThat(r.getStaged()).isFalse();
    assertThat(r.getMapBytes()).isZero();
    assertThat(r.getFilesystemGrown()).isFalse();
    assertThatThrownBy(() -> plugin.agent.expandVolume(
            ExpandVolumeRequest.newBuilder().setVolume(ReferenceHost.spec()).setGrowFilesystem(true).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION));
    assertThatThrownBy(() -> plugin.agent.expandVolume(ExpandVolumeRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void applyClusterEchoesTheRevisionOnceOnline() {
    ApplyClusterResponse first = plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    ApplyClusterResponse again = plugin.agent.applyCluster(ReferenceHost.clusterRequest());

    assertThat(first.getAppliedRevision()).isEqualTo("1/1");
    assertThat(first.getOnline()).isTrue();
    assertThat(first.getChanged()).isTrue();
    assertThat(again.getChanged()).isFalse();
    assertThat(again.getPending()).isEmpty();
  }

  @Test
  void applyClusterOnTheUserStackAnswersWithTheStackAndWhatItWaitsFor() {
    FakeCommandRunner fake = plugin.host.fake;
    String dir = "e2e/user-stack/";
    fake.on("corosync").reply(FakeCommandRunner.Reply.ok());
    fake.on("dlm_controld").reply(FakeCommandRunner.Reply.ok());
    fake.on("corosync-quorumtool", "-s")
        .reply(1, "", captured(dir + "corosync-quorumtool-s-not-running.stderr.txt"))
        .reply(2, captured(dir + "corosync-quorumtool-s-waiting-for-all.txt"), "");
    fake.on("corosync-cmapctl", "-g", "totem.cluster_name")
        .reply(FakeCommandRunner.Reply.ok(captured(dir + "corosync-cmapctl-g-cluster-name.txt")));
    fake.on("dlm_tool", "status").reply(FakeCommandRunner.Reply.ok(captured(dir + "dlm-tool-status-no-daemon.txt")))
        .reply(FakeCommandRunner.Reply.ok(captured(dir + "dlm-tool-status.txt")));
    ApplyClusterRequest user = ReferenceHost.clusterRequest().toBuilder().clearPort().clearTimeouts()
        .setStack(ClusterStackKind.CLUSTER_STACK_USER).build();

    ApplyClusterResponse r = plugin.agent.applyCluster(user);

    assertThat(r.getStack()).isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    assertThat(r.getOnline()).isFalse();
    assertThat(r.getAppliedRevision()).isEmpty();
    assertThat(r.getPending()).contains("corosync is not quorate yet");
  }

  @Test
  void applyClusterOnTheUserStackWhileO2cbMountsAVolumeIsAFailedPrecondition() {
    plugin.host.write("/sys/fs/ocfs2/cluster_stack", "o2cb\n");
    plugin.host.write("/proc/self/mounts", "/dev/mapper/mylun /mnt/o2cb ocfs2 rw,relatime,_netdev 0 0\n");
    ApplyClusterRequest user = ReferenceHost.clusterRequest().toBuilder().clearPort().clearTimeouts()
        .setStack(ClusterStackKind.CLUSTER_STACK_USER).build();

    assertThatThrownBy(() -> plugin.agent.applyCluster(user))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION))
        .hasMessageContaining("one kernel runs one cluster stack");
  }

  @Test
  void applyClusterWithoutThisNodeIsNotOnline() {
    ApplyClusterResponse r =
        plugin.agent.applyCluster(ReferenceHost.clusterRequest().toBuilder().removeMembers(0).build());

    assertThat(r.getOnline()).isFalse();
    assertThat(r.getAppliedRevision()).isEmpty();
    assertThat(r.getPending()).contains("not among the members");
  }

  @Test
  void formatVolumeOutcomes() {
    plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    plugin.host.filesystem = null;
    FormatVolumeRequest req = FormatVolumeRequest.newBuilder().setVolume(ReferenceHost.spec()).build();

    FormatVolumeResponse formatted = plugin.agent.formatVolume(req);
    FormatVolumeResponse existing = plugin.agent.formatVolume(req);
    plugin.host.filesystem = "ext4";
    FormatVolumeResponse foreign = plugin.agent.formatVolume(req);

    assertThat(formatted.getOutcome()).isEqualTo(FormatVolumeResponse.Outcome.FORMATTED);
    assertThat(formatted.getUuid()).isEqualTo(ReferenceHost.UUID);
    assertThat(formatted.getWwid()).isEqualTo(ReferenceHost.WWID);
    assertThat(formatted.getDevice()).isEqualTo(ReferenceHost.DEVICE);
    assertThat(existing.getOutcome()).isEqualTo(FormatVolumeResponse.Outcome.EXISTING_OCFS2);
    assertThat(foreign.getOutcome()).isEqualTo(FormatVolumeResponse.Outcome.FOREIGN_SIGNATURE);
    assertThat(foreign.getFoundSignature()).isEqualTo("ext4");
    assertThat(plugin.host.fake.calls()).filteredOn(c -> c.startsWith("mkfs.ocfs2")).hasSize(1);
  }

  @Test
  void aFormatWhoseDeadlinePassesKillsMkfs() {
    plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    plugin.host.filesystem = null;
    ProcessCommandRunner processes = new ProcessCommandRunner(HostMode.DIRECT, plugin.host.redactor);
    AtomicReference<CommandResult> mkfs = new AtomicReference<>();
    AtomicLong mkfsEnded = new AtomicLong();
    // A slow mkfs: a real process that would run for 20 s.
    plugin.host.fake.onPrefix("mkfs.ocfs2").answer(argv -> {
      CommandResult r = processes.run(Command.of(MkfsOcfs2.TIMEOUT, "sleep", "20"));
      mkfsEnded.set(System.nanoTime());
      mkfs.set(r);
      return new FakeCommandRunner.Reply(r.exitCode(), r.stdout(), r.stderr());
    });
    FormatVolumeRequest req = FormatVolumeRequest.newBuilder().setVolume(ReferenceHost.spec()).build();
    long called = System.nanoTime();

    try (LogCapture logs = new LogCapture()) {
      assertThatThrownBy(() -> plugin.agent.withDeadlineAfter(2, TimeUnit.SECONDS).formatVolume(req))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));

      assertThat(mkfs.get()).as("mkfs started").isNotNull();
      assertThat(Duration.ofNanos(mkfsEnded.get() - called)).as("mkfs ended after the call's 2 s deadline")
          .isLessThan(Duration.ofSeconds(7));
      assertThat(mkfs.get().cancelled()).isTrue();
      assertThat(logs.lines()).as("the node's own answer")
          .anyMatch(l -> l.startsWith("FormatVolume: DEADLINE_EXCEEDED") && l.contains("deadline passed"));
    }
  }

  @Test
  void formatVolumeWithoutAVolumeIsInvalid() {
    assertThatThrownBy(() -> plugin.agent.formatVolume(FormatVolumeRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
  }

  @Test
  void volumeHealth() {
    plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    plugin.host.stager.stage(new io.ocfs2iscsi.node.volume.Requests.Stage(
        "mylun", STAGING, ReferenceHost.spec(), java.util.Map.of(), java.util.List.of()));
    plugin.host.secondPathFailed = true;

    GetVolumeHealthResponse h =
        plugin.agent.getVolumeHealth(GetVolumeHealthRequest.newBuilder().setVolume(ReferenceHost.spec()).build());

    assertThat(h.getVolumeId()).isEqualTo("mylun");
    assertThat(h.getSessionsList()).extracting(SessionHealth::getState).containsExactly("LOGGED_IN", "LOGGED_IN");
    assertThat(h.getPathsList()).extracting(PathHealth::getUp).containsExactly(true, false);
    assertThat(h.getPaths(1).getCheckerState()).isEqualTo("faulty");
    assertThat(h.getMapPresent()).isTrue();
    assertThat(h.getStaged()).isTrue();
    assertThat(h.getMounted()).isTrue();
    assertThat(h.getReadOnly()).isFalse();
    assertThat(h.getHeartbeatActive()).isTrue();
    assertThat(h.getWwid()).isEqualTo(ReferenceHost.WWID);
    assertThat(h.getProblemsList()).containsExactly("path sdd (4:0:0:0) is failed/faulty");
  }

  @Test
  void volumeHealthTellsEachSessionsIfaceAndNic() {
    plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    plugin.host.withInterfaces("eth1", "eth2");
    io.ocfs2iscsi.agent.v1.VolumeSpec bound = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder()
            .putPortalInterfaces(ReferenceHost.PORTAL_A, "eth1").putPortalInterfaces(ReferenceHost.PORTAL_B, "eth2"))
        .build();
    plugin.host.stager.stage(new io.ocfs2iscsi.node.volume.Requests.Stage(
        "mylun", STAGING, bound, java.util.Map.of(), java.util.List.of()));

    GetVolumeHealthResponse h =
        plugin.agent.getVolumeHealth(GetVolumeHealthRequest.newBuilder().setVolume(bound).build());

    assertThat(h.getSessionsList()).extracting(SessionHealth::getIface, SessionHealth::getNetdev).containsExactly(
        org.assertj.core.groups.Tuple.tuple("ocfs2iscsi-eth1", "eth1"),
        org.assertj.core.groups.Tuple.tuple("ocfs2iscsi-eth2", "eth2"));
  }

  @Test
  void volumeHealthTellsAFilesystemThatWentReadOnly() {
    plugin.agent.applyCluster(ReferenceHost.clusterRequest());
    plugin.host.remountedReadOnly = true;
    plugin.host.stager.stage(new io.ocfs2iscsi.node.volume.Requests.Stage(
        "mylun", STAGING, ReferenceHost.spec(), java.util.Map.of(), java.util.List.of()));

    GetVolumeHealthResponse h =
        plugin.agent.getVolumeHealth(GetVolumeHealthRequest.newBuilder().setVolume(ReferenceHost.spec()).build());

    assertThat(h.getMounted()).isTrue();
    assertThat(h.getReadOnly()).isTrue();
  }
}
