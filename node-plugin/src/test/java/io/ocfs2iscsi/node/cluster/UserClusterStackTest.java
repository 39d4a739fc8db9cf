package io.ocfs2iscsi.node.cluster;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.Fixtures.golden;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.tools.Corosync;
import io.ocfs2iscsi.node.tools.DaemonCgroups;
import io.ocfs2iscsi.node.tools.DlmTool;
import io.ocfs2iscsi.node.tools.MultipathPath;
import io.ocfs2iscsi.node.volume.Requests;
import io.ocfs2iscsi.node.volume.VolumeFormatter;
import io.ocfs2iscsi.node.volume.VolumeHealth;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ApplyCluster with stack USER: corosync + dlm_controld, replaying the outputs captured in the guests. */
class UserClusterStackTest {

  private static final String DIR = "e2e/user-stack/";
  private static final String LABEL = "/sys/fs/ocfs2/cluster_stack";

  @TempDir Path root;
  ReferenceHost host;
  boolean corosyncRuns;
  boolean dlmControldRuns;
  /** totem.crypto_cipher of the running corosync. */
  String runningCipher = "none";
  String quorum = captured(DIR + "corosync-quorumtool-s.txt");

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root);
    script();
  }

  /** The daemons and their tools on {@link #host}, as captured in the guests. */
  void script() {
    host.write(LABEL, "o2cb\n");
    host.fake.on("corosync").answer(a -> {
      corosyncRuns = true;
      return Reply.ok();
    });
    host.fake.on("dlm_controld").answer(a -> {
      dlmControldRuns = true;
      return Reply.ok();
    });
    host.fake.on("systemctl", "start", "corosync.service").answer(a -> {
      corosyncRuns = true;
      return Reply.ok();
    });
    host.fake.on("systemctl", "start", "dlm.service").answer(a -> {
      dlmControldRuns = true;
      return Reply.ok();
    });
    host.fake.on("corosync-quorumtool", "-s").answer(a -> corosyncRuns
        ? new Reply(quorum.contains("Quorate:          Yes") ? 0 : 2, quorum, "")
        : new Reply(1, "", captured(DIR + "corosync-quorumtool-s-not-running.stderr.txt")));
    host.fake.on("corosync-cmapctl", "-g", "totem.cluster_name").answer(a -> corosyncRuns
        ? Reply.ok(captured(DIR + "corosync-cmapctl-g-cluster-name.txt")) : new Reply(1, "", ""));
    // Captured with the authkey (aes256); "none" is the same line with corosync's default.
    host.fake.on("corosync-cmapctl", "-g", "totem.crypto_cipher").answer(a -> corosyncRuns
        ? Reply.ok(captured(DIR + "corosync-cmapctl-g-crypto-cipher.txt").replace("aes256", runningCipher))
        : new Reply(1, "", ""));
    host.fake.on("dlm_tool", "status").answer(a -> Reply.ok(dlmControldRuns
        ? captured(DIR + "dlm-tool-status.txt") : captured(DIR + "dlm-tool-status-no-daemon.txt")));
    host.fake.on("corosync-cfgtool", "-R").reply(Reply.ok());
  }

  static ApplyClusterRequest userRequest() {
    return ReferenceHost.clusterRequest().toBuilder()
        .clearPort()
        .clearTimeouts()
        .setStack(ClusterStackKind.CLUSTER_STACK_USER)
        .build();
  }

  @Test
  void applyOnAFreshNodeWritesBothConfigsAndStartsTheDaemonsDetached() {
    ClusterStack.Applied a = host.cluster.apply(userRequest());

    assertThat(a).isEqualTo(new ClusterStack.Applied(true, true, ""));
    assertThat(host.read("/etc/corosync/corosync.conf")).isEqualTo(golden("corosync-two-nodes.conf"));
    assertThat(host.read("/etc/dlm/dlm.conf")).isEqualTo(golden("dlm-wait-for-rejoin.conf"));
    assertThat(host.read(LABEL)).isEqualTo("pcmk");
    assertThat(host.fake.calls()).containsSubsequence(
        "modprobe dlm", "modprobe ocfs2_stack_user", "corosync-quorumtool -s", "corosync", "dlm_tool status",
        "dlm_controld");
    assertThat(host.fake.calls()).doesNotContain("corosync-cfgtool -R").noneMatch(c -> c.startsWith("o2cb"));
    assertThat(host.state.cluster()).contains(userRequest());
  }

  /** 256 random bytes as base64 text, as the operator makes a cluster's authkey. */
  static final String AUTHKEY = java.util.Base64.getEncoder().encodeToString(randomBytes(256));

  static byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    new java.security.SecureRandom().nextBytes(b);
    return b;
  }

  static ApplyClusterRequest withKey(String key) {
    return userRequest().toBuilder()
        .setCorosyncAuthkey(com.google.protobuf.ByteString.copyFrom(key, java.nio.charset.StandardCharsets.US_ASCII))
        .build();
  }

  @Test
  void theClusterAuthkeyIsWrittenPrivatelyBeforeCorosyncStartsWithCryptoOn() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      ClusterStack.Applied a = host.cluster.apply(withKey(AUTHKEY));

      assertThat(a).isEqualTo(new ClusterStack.Applied(true, true, ""));
      assertThat(host.read("/etc/corosync/authkey")).isEqualTo(AUTHKEY);
      assertThat(java.nio.file.Files.getPosixFilePermissions(root.resolve("etc/corosync/authkey")))
          .isEqualTo(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
      assertThat(host.read("/etc/corosync/corosync.conf")).isEqualTo(golden("corosync-two-nodes-authenticated.conf"));
      assertThat(host.fake.calls()).contains("corosync").allSatisfy(c -> assertThat(c).doesNotContain(AUTHKEY));
      assertThat(logs.lines()).isNotEmpty().allSatisfy(l -> assertThat(l).doesNotContain(AUTHKEY));
    }
  }

  @Test
  void aKeyThatIsNotAnAuthkeyIsRefusedWithoutShowingIt() {
    String shortKey = AUTHKEY.substring(0, 100);
    String notBase64 = AUTHKEY.substring(0, 200) + "\n}\n";
    for (String bad : List.of(shortKey, notBase64)) {
      try (LogCapture logs = new LogCapture()) {
        assertThatThrownBy(() -> host.cluster.apply(withKey(bad)))
            .isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT))
            .hasMessageContaining("corosync_authkey must be 128..4096 bytes of base64 text")
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain(bad.substring(0, 20)));
        assertThat(logs.lines()).allSatisfy(l -> assertThat(l).doesNotContain(bad.substring(0, 20)));
      }
    }
    assertThat(host.files.exists("/etc/corosync/authkey")).isFalse();
    assertThat(host.fake.calls()).doesNotContain("corosync");
  }

  /**
   * A corosync that started without crypto (before its cluster had a key) cannot switch while its peers run without
   * it too: members that disagree on crypto cannot hear each other. It keeps a configuration without crypto, the key
   * waits for its next start, and the answer says so.
   */
  @Test
  void aCorosyncRunningWithoutCryptoKeepsItUntilItRestarts() {
    host.cluster.apply(userRequest());
    host.fake.clearCalls();

    ClusterStack.Applied a = host.cluster.apply(withKey(AUTHKEY));

    assertThat(a.online()).isTrue();
    assertThat(a.pending()).contains("corosync runs without authentication").contains("next start");
    assertThat(host.read("/etc/corosync/corosync.conf")).isEqualTo(golden("corosync-two-nodes.conf"));
    assertThat(host.read("/etc/corosync/authkey")).isEqualTo(AUTHKEY);
    assertThat(host.fake.calls()).doesNotContain("corosync", "corosync-cfgtool -R");
  }

  @Test
  void aRunningCorosyncKeepsTheKeyItStartedWith() {
    host.cluster.apply(withKey(AUTHKEY));
    runningCipher = "aes256";
    String other = java.util.Base64.getEncoder().encodeToString(randomBytes(256));

    ClusterStack.Applied a = host.cluster.apply(withKey(other));

    assertThat(host.read("/etc/corosync/authkey")).isEqualTo(AUTHKEY);
    assertThat(a.pending()).contains("/etc/corosync/authkey differs from the cluster's authkey")
        .doesNotContain(other.substring(0, 20)).doesNotContain(AUTHKEY.substring(0, 20));
    assertThat(host.read("/etc/corosync/corosync.conf")).isEqualTo(golden("corosync-two-nodes-authenticated.conf"));
  }

  @Test
  void withSystemdTheUnitsStartTheDaemons() {
    host.files.createDirectories("/run/systemd/system");

    host.cluster.apply(userRequest());

    assertThat(host.fake.calls()).containsSubsequence("systemctl start corosync.service", "systemctl start dlm.service")
        .doesNotContain("corosync", "dlm_controld");
  }

  /**
   * A plugin in a pod reaches the host through nsenter, which keeps its container's cgroup: daemons it started would
   * be killed with the container at its next restart (the runtime kills every process of a host-PID container's
   * cgroup), and a dlm_controld that dies with a volume mounted leaves the node unable to unmount until it reboots.
   * Without systemd and without cgroup2 (nowhere to move them) it refuses.
   */
  @Test
  void aPluginInAPodOnAHostWithoutSystemdOrCgroup2DoesNotStartTheDaemons() {
    host = new ReferenceHost(root.resolve("pod"), HostMode.NSENTER);
    script();

    assertThatThrownBy(() -> host.cluster.apply(userRequest()))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("systemd").hasMessageContaining("corosync.service").hasMessageContaining("cgroup2");
    assertThat(host.fake.calls()).doesNotContain("corosync", "dlm_controld");
    assertThat(host.files.exists("/etc/corosync/corosync.conf")).isFalse();
  }

  /** What the host's processes look like to the fake: pid to its cgroup (as the host's cgroup namespace sees it). */
  final Map<Integer, String> cgroupOfPid = new java.util.LinkedHashMap<>();
  /** The node plugin's container cgroup, as captured in the real cluster's guests. */
  static final String POD_CGROUP = DaemonCgroups.parseProcCgroup(captured(DIR + "proc-cgroup-node-plugin.txt"));
  static final int COROSYNC = DaemonCgroups.parsePidFile(captured(DIR + "corosync-pid-file.txt")).orElseThrow();
  static final int DLM_CONTROLD = DaemonCgroups.parsePidFile(captured(DIR + "dlm-controld-pid-file.txt"))
      .orElseThrow();

  /**
   * A host without systemd but with cgroup2, seen from a plugin in a pod. As captured: corosync, once detached, has
   * moved itself to the root cgroup; dlm_controld and its helper child stay in the plugin's container cgroup.
   */
  void podOnCgroup2Host() {
    host = new ReferenceHost(root.resolve("pod"), HostMode.NSENTER);
    script();
    host.write("/sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n");
    daemonStarts("corosync", Corosync.PID_FILE, "corosync-pid-file.txt", "pgrep-s-corosync.txt",
        DaemonCgroups.parseProcCgroup(captured(DIR + "proc-cgroup-corosync-root.txt")), () -> corosyncRuns = true);
    daemonStarts("dlm_controld", DlmTool.PID_FILE, "dlm-controld-pid-file.txt", "pgrep-s-dlm-controld.txt",
        POD_CGROUP, () -> dlmControldRuns = true);
    host.fake.onPrefix("nsenter", "-t", "1", "-C", "--", "cat").answer(a -> {
      String c = cgroupOfPid.get(Integer.parseInt(a.get(6).split("/")[2]));
      return c == null ? new Reply(1, "", "No such file or directory\n") : Reply.ok("0::" + c + "\n");
    });
    host.fake.on("nsenter", "-t", "1", "-C", "--", "cat", "/proc/self/cgroup")
        .reply(Reply.ok(captured(DIR + "proc-cgroup-node-plugin.txt")));
    host.fake.onPrefix("nsenter", "-t", "1", "-C", "--", "mkdir", "-p").reply(Reply.ok());
    teeMoves();
  }

  /** Starting {@code program} writes its pid file (as captured); its session's processes land in {@code cgroup}. */
  void daemonStarts(String program, String pidFile, String capturedPidFile, String capturedSession, String cgroup,
      Runnable runs) {
    String pidText = captured(DIR + capturedPidFile);
    int pid = DaemonCgroups.parsePidFile(pidText).orElseThrow();
    String session = captured(DIR + capturedSession);
    host.fake.on(program).answer(a -> {
      runs.run();
      host.write(pidFile, pidText);
      host.write("/proc/" + pid + "/comm", program + "\n");
      DaemonCgroups.parsePgrep(session).forEach(p -> cgroupOfPid.put(p, cgroup));
      return Reply.ok();
    });
    host.fake.on("pgrep", "-s", Integer.toString(pid)).reply(Reply.ok(session));
  }

  @Test
  void aPluginInAPodOnAHostWithoutSystemdMovesDlmControldOutOfItsContainersCgroup() {
    podOnCgroup2Host();

    assertThat(host.cluster.apply(userRequest()).online()).isTrue();

    List<Integer> dlmSession = DaemonCgroups.parsePgrep(captured(DIR + "pgrep-s-dlm-controld.txt"));
    assertThat(dlmSession).allSatisfy(p ->
        assertThat(cgroupOfPid.get(p)).isEqualTo("/ocfs2-iscsi-daemons/dlm_controld"));
    assertThat(cgroupOfPid).as("corosync stays where it put itself").containsEntry(COROSYNC, "/");
    assertThat(host.fake.calls()).containsSubsequence("corosync", "pgrep -s " + COROSYNC, "dlm_controld",
        "pgrep -s " + DLM_CONTROLD, "nsenter -t 1 -C -- tee /sys/fs/cgroup/ocfs2-iscsi-daemons/dlm_controld/cgroup.procs");
    assertThat(host.fake.inputs()).containsExactlyElementsOf(dlmSession.stream().map(p ->
        "nsenter -t 1 -C -- tee /sys/fs/cgroup/ocfs2-iscsi-daemons/dlm_controld/cgroup.procs <<< " + p + "\n")
        .toList());
  }

  @Test
  void aDaemonLeftInThePodsCgroupIsMovedAtTheNextApplyAndThenLeftAlone() {
    podOnCgroup2Host();
    host.fake.onPrefix("nsenter", "-t", "1", "-C", "--", "tee")
        .reply(new Reply(1, "", "tee: /sys/fs/cgroup/ocfs2-iscsi-daemons/dlm_controld/cgroup.procs: Device or"
            + " resource busy\n"));
    assertThatThrownBy(() -> host.cluster.apply(userRequest())).isInstanceOf(NodeException.class)
        .hasMessageContaining("moving dlm_controld");
    assertThat(cgroupOfPid).containsEntry(DLM_CONTROLD, POD_CGROUP);

    teeMoves();
    host.cluster.apply(userRequest());
    assertThat(cgroupOfPid).containsEntry(DLM_CONTROLD, "/ocfs2-iscsi-daemons/dlm_controld");

    host.fake.clearCalls();
    host.cluster.apply(userRequest());
    assertThat(host.fake.inputs()).as("nothing moved again").isEmpty();
    assertThat(host.fake.calls()).doesNotContain("corosync", "dlm_controld");
  }

  /** tee into a cgroup.procs moves the pid it reads (the input of the command being answered is the last one). */
  void teeMoves() {
    host.fake.onPrefix("nsenter", "-t", "1", "-C", "--", "tee").answer(a -> {
      List<String> in = host.fake.inputs();
      String input = in.get(in.size() - 1);
      String cgroup = a.get(6).substring("/sys/fs/cgroup".length(), a.get(6).length() - "/cgroup.procs".length());
      cgroupOfPid.put(Integer.parseInt(input.substring(input.indexOf("<<< ") + 4).strip()),
          cgroup.isEmpty() ? "/" : cgroup);
      return Reply.ok();
    });
  }

  @Test
  void aPluginInAPodStartsTheDaemonsThroughTheHostsSystemd() {
    host = new ReferenceHost(root.resolve("pod"), HostMode.NSENTER);
    script();
    host.files.createDirectories("/run/systemd/system");

    assertThat(host.cluster.apply(userRequest()).online()).isTrue();
    assertThat(host.fake.calls()).containsSubsequence("systemctl start corosync.service", "systemctl start dlm.service");
  }

  @Test
  void fencingDisabledIsWrittenToDlmConf() {
    host.cluster.apply(userRequest().toBuilder().setDlmFencing(DlmFencing.DLM_FENCING_DISABLED).build());

    assertThat(host.read("/etc/dlm/dlm.conf")).isEqualTo(golden("dlm-fencing-disabled.conf"));
  }

  @Test
  void aLoneMemberWaitingForItsPeerIsAppliedButNotOnline() {
    quorum = captured(DIR + "corosync-quorumtool-s-waiting-for-all.txt");

    ClusterStack.Applied a = host.cluster.apply(userRequest());

    assertThat(a.online()).isFalse();
    assertThat(a.pending()).contains("corosync is not quorate yet").contains("members seen: [1]");
  }

  @Test
  void stagingWaitsWhileCorosyncIsNotQuorate() {
    quorum = captured(DIR + "corosync-quorumtool-s-waiting-for-all.txt");
    host.cluster.apply(userRequest());

    assertThatThrownBy(() -> host.cluster.ensureOnlineFor("iscsi", ClusterStackKind.CLUSTER_STACK_USER))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.UNAVAILABLE))
        .hasMessageContaining("not quorate");

    quorum = captured(DIR + "corosync-quorumtool-s.txt");
    host.cluster.ensureOnlineFor("iscsi", ClusterStackKind.CLUSTER_STACK_USER);
  }

  @Test
  void applyingTheSameClusterAgainStartsAndReloadsNothing() {
    host.cluster.apply(userRequest());
    host.fake.clearCalls();

    ClusterStack.Applied a = host.cluster.apply(userRequest());

    assertThat(a).isEqualTo(new ClusterStack.Applied(false, true, ""));
    assertThat(host.fake.calls()).doesNotContain("corosync", "dlm_controld", "corosync-cfgtool -R");
  }

  @Test
  void aNewMemberIsAddedToTheRunningCorosyncByAReload() {
    host.cluster.apply(userRequest());
    host.fake.clearCalls();
    ApplyClusterRequest three = userRequest().toBuilder()
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd03").setNumber(2).setAddress("10.10.1.21"))
        .setRevision("1/2")
        .build();

    ClusterStack.Applied a = host.cluster.apply(three);

    assertThat(a.changed()).isTrue();
    assertThat(host.fake.calls()).contains("corosync-cfgtool -R").doesNotContain("corosync", "dlm_controld");
    assertThat(host.read("/etc/corosync/corosync.conf"))
        .contains("        nodeid: 3\n        name: drbd03\n        ring0_addr: 10.10.1.21\n")
        .doesNotContain("two_node");
  }

  @Test
  void refusedWhileAnO2cbVolumeIsMounted() {
    host.write("/proc/self/mounts", "/dev/ubda / ext4 rw,relatime 0 0\n"
        + "/dev/mapper/mylun /mnt/o2cb ocfs2 rw,relatime,_netdev,heartbeat=local 0 0\n");

    assertThatThrownBy(() -> host.cluster.apply(userRequest()))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("the o2cb cluster stack is active on this node")
        .hasMessageContaining("/mnt/o2cb")
        .hasMessageContaining("one kernel runs one cluster stack");
    assertThat(corosyncRuns).isFalse();
    assertThat(host.exists("/etc/corosync/corosync.conf")).isFalse();
    assertThat(host.read(LABEL)).isEqualTo("o2cb\n");
  }

  @Test
  void o2cbIsRefusedWhileAUserStackVolumeIsMountedAndGetsItsLabelBackOnceNothingIs() {
    host.write(LABEL, "pcmk\n");
    host.write("/proc/self/mounts", "/dev/ubda / ext4 rw,relatime 0 0\n"
        + "/dev/mapper/otherlun /mnt/usr ocfs2 rw,relatime,_netdev 0 0\n");

    assertThatThrownBy(() -> host.cluster.apply(ReferenceHost.clusterRequest()))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("the user cluster stack is active on this node");
    assertThat(host.read(LABEL)).isEqualTo("pcmk\n");

    host.write("/proc/self/mounts", "/dev/ubda / ext4 rw,relatime 0 0\n");
    host.cluster.apply(ReferenceHost.clusterRequest());

    assertThat(host.read(LABEL)).isEqualTo("o2cb");
  }

  @Test
  void corosyncRunningAnotherClusterIsRefused() {
    corosyncRuns = true;
    // The captured line, with the name another cluster would have.
    host.fake.on("corosync-cmapctl", "-g", "totem.cluster_name")
        .reply(Reply.ok(captured(DIR + "corosync-cmapctl-g-cluster-name.txt").replace("= iscsi", "= other")));

    assertThatThrownBy(() -> host.cluster.apply(userRequest()))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("corosync on this node runs cluster other, not iscsi");
  }

  @Test
  void aVolumeOfTheOtherStackIsNotStagedOnThisCluster() {
    host.cluster.apply(ReferenceHost.clusterRequest());

    assertThatThrownBy(() -> host.cluster.ensureOnlineFor("iscsi", ClusterStackKind.CLUSTER_STACK_USER))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("formatted for the user stack")
        .hasMessageContaining("o2cb");
  }

  @Test
  void userStackValuesAreCheckedBeforeAnythingIsWritten() {
    List<ApplyClusterRequest> bad = List.of(
        userRequest().toBuilder().setCorosyncTokenMs(999).build(),
        userRequest().toBuilder().setStackValue(9).build(),
        userRequest().toBuilder().setDlmFencingValue(9).build());

    for (ApplyClusterRequest r : bad) {
      assertThatThrownBy(() -> host.cluster.apply(r))
          .isInstanceOfSatisfying(NodeException.class,
              e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT))
          .hasMessageMatching(".*(corosync_token_ms|stack|dlm_fencing): must be.*");
    }
    assertThat(host.fake.calls()).isEmpty();
    assertThat(host.state.cluster()).isEmpty();
  }

  @Test
  void formatVolumeFormatsForTheUserStack() {
    host.cluster.apply(userRequest());
    host.filesystem = null;
    host.fake.clearCalls();

    VolumeFormatter.Result r = host.formatter.format(ReferenceHost.spec().toBuilder()
        .setFilesystem(ReferenceHost.spec().getFilesystem().toBuilder()
            .setClusterStack(ClusterStackKind.CLUSTER_STACK_USER))
        .build(), Map.of());

    assertThat(r.outcome()).isEqualTo(VolumeFormatter.Outcome.FORMATTED);
    assertThat(host.fake.calls()).anyMatch(c -> c.startsWith("mkfs.ocfs2 ") && c.contains("--cluster-stack=pcmk"));
  }

  @Test
  void aStagedUserStackVolumeHasNoO2cbHeartbeatToMiss() {
    host.cluster.apply(userRequest());
    VolumeSpec user = ReferenceHost.spec().toBuilder()
        .setFilesystem(ReferenceHost.spec().getFilesystem().toBuilder()
            .setClusterStack(ClusterStackKind.CLUSTER_STACK_USER))
        .build();
    host.stager.stage(new Requests.Stage("mylun", ReferenceHost.STAGING, user, Map.of(), List.of()));
    // The fake host models o2cb's mount, which starts a heartbeat region; on the user stack there is none.
    host.files.deleteIfExists("/sys/kernel/config/cluster/iscsi/heartbeat/" + ReferenceHost.REGION);
    host.fake.on("multipath", "-ll", "mylun").reply(Reply.ok(captured("e2e/multipath-ll-all-paths-failed.txt")));
    host.fake.on("multipathd", "show", "topology").reply(Reply.ok(captured("e2e/multipath-ll-all-paths-failed.txt")));

    VolumeHealth h = host.inspector.health(user);

    assertThat(h.mounted()).isTrue();
    assertThat(h.paths()).isNotEmpty().noneMatch(MultipathPath::up);
    assertThat(h.heartbeatActive()).isFalse();
    assertThat(h.problems()).noneMatch(p -> p.contains("heartbeat"));
    assertThat(host.inspector.heartbeatIo(user, h).failing()).isFalse();
  }

  // ---- storage fencing with SCSI-3 persistent reservations -----------------------------------------------------

  static ApplyClusterRequest fencedRequest() {
    return userRequest().toBuilder().setDlmFencing(DlmFencing.DLM_FENCING_PERSISTENT_RESERVATION).build();
  }

  static VolumeSpec userVolume() {
    return ReferenceHost.spec().toBuilder()
        .setFilesystem(ReferenceHost.spec().getFilesystem().toBuilder()
            .setClusterStack(ClusterStackKind.CLUSTER_STACK_USER))
        .build();
  }

  @Test
  void persistentReservationFencingInstallsTheAgentBeforeDlmControldStarts() throws Exception {
    host.cluster.apply(fencedRequest());

    // drbd01 is o2cb number 0: corosync node id 1
    assertThat(host.read("/etc/dlm/dlm.conf"))
        .isEqualTo(golden("dlm-persistent-reservation.conf").replace("local_id=2", "local_id=1"));
    String agent = host.read(StorageFencing.AGENT);
    assertThat(agent).startsWith("#!/bin/bash\n").isEqualTo(StorageFencing.agentScript());
    assertThat(java.nio.file.Files.isExecutable(host.files.resolve(StorageFencing.AGENT))).isTrue();
    assertThat(host.fake.calls()).containsSubsequence("dlm_tool status", "dlm_controld");
  }

  @Test
  void stagingRegistersTheKeyAndReservesBeforeTheMount() {
    host.cluster.apply(fencedRequest());
    String key = "0xe736e55600000001";
    boolean[] reserved = {false};
    host.fake.on("mpathpersist", "--out", "--register-ignore", "--param-sark=" + key, "/dev/mapper/mylun")
        .reply(Reply.ok(captured(DIR + "mpathpersist-register-ignore-node1.txt")));
    host.fake.on("mpathpersist", "-i", "-r", "/dev/mapper/mylun").answer(a -> Reply.ok(reserved[0]
        ? captured(DIR + "mpathpersist-i-r.txt").replace("0x1", key)
        : captured(DIR + "mpathpersist-i-r-none.txt")));
    host.fake.on("mpathpersist", "--out", "--reserve", "--param-rk=" + key, "--prout-type=5", "/dev/mapper/mylun")
        .answer(a -> {
          reserved[0] = true;
          return Reply.ok(captured(DIR + "mpathpersist-reserve-type5.txt"));
        });

    host.stager.stage(new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of()));

    assertThat(host.fake.calls()).containsSubsequence(
        "mpathpersist --out --register-ignore --param-sark=" + key + " /dev/mapper/mylun",
        "mpathpersist -i -r /dev/mapper/mylun",
        "mpathpersist --out --reserve --param-rk=" + key + " --prout-type=5 /dev/mapper/mylun");
    List<String> calls = host.fake.calls();
    int reserve = calls.indexOf("mpathpersist --out --reserve --param-rk=" + key + " --prout-type=5 /dev/mapper/mylun");
    int mount = calls.stream().filter(c -> c.startsWith("mount -t ocfs2")).findFirst().map(calls::indexOf).orElse(-1);
    assertThat(mount).as("the mount comes after the reservation: %s", calls).isGreaterThan(reserve);
    assertThat(host.read(StorageFencing.MAPS_DIR + "/mylun")).isEqualTo(key + "\n");
    assertThat(host.read("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf")).contains("\t\treservation_key " + key + "\n");

    host.stager.unstage(new Requests.Unstage("mylun", ReferenceHost.STAGING));
    assertThat(host.files.exists(StorageFencing.MAPS_DIR + "/mylun")).isFalse();
  }

  @Test
  void aSecondMemberRegistersAndLeavesTheReservationAlone() {
    host.cluster.apply(fencedRequest());
    host.fake.on("mpathpersist", "--out", "--register-ignore", "--param-sark=0xe736e55600000001", "/dev/mapper/mylun")
        .reply(Reply.ok(""));
    host.fake.on("mpathpersist", "-i", "-r", "/dev/mapper/mylun")
        .reply(Reply.ok(captured(DIR + "mpathpersist-i-r.txt").replace("0x1", "0xe736e55600000002")));

    host.stager.stage(new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of()));

    assertThat(host.fake.calls()).noneMatch(c -> c.contains("--reserve"));
  }

  @Test
  void aTargetWithoutPersistentReservationsFailsTheStageNamingTheFencingField() {
    host.cluster.apply(fencedRequest());
    host.fake.on("mpathpersist", "--out", "--register-ignore", "--param-sark=0xe736e55600000001", "/dev/mapper/mylun")
        .reply(new Reply(1, "", "PR out: command failed\n"));

    assertThatThrownBy(() -> host.stager.stage(
        new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of())))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("spec.userStack.fencing: WaitForRejoin");
    assertThat(host.fake.calls()).noneMatch(c -> c.startsWith("mount -t ocfs2"));
  }

  /** A node fenced while it kept the mount must unmount first: its journal was recovered by the others. */
  @Test
  void aRepeatedStageOfANodeFencedWhileMountedDoesNotRegisterItAgain() {
    registrationOfNode1UnderNode2sReservation();
    host.stager.stage(new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of()));
    // node id 2 preempted this node's key: only the other node's keys are left
    host.fake.on("mpathpersist", "-i", "-k", "/dev/mapper/mylun").reply(Reply.ok(
        captured(DIR + "mpathpersist-i-k-after-preempt.txt").replace("0x1", "0xe736e55600000002")));
    host.fake.clearCalls();

    assertThatThrownBy(() -> host.stager.stage(
        new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of())))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("this node was fenced");
    assertThat(host.fake.calls()).noneMatch(c -> c.contains("--register-ignore"));
  }

  @Test
  void aRepeatedStageOfAStillRegisteredNodeGoesThrough() {
    String key = registrationOfNode1UnderNode2sReservation();
    host.fake.on("mpathpersist", "-i", "-k", "/dev/mapper/mylun").reply(Reply.ok(captured(DIR + "mpathpersist-i-k.txt")
        .replace("0x1", key)));
    host.stager.stage(new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of()));

    host.stager.stage(new Requests.Stage("mylun", ReferenceHost.STAGING, userVolume(), Map.of(), List.of()));

    assertThat(host.fake.calls().stream().filter(c -> c.contains("--register-ignore")).count()).isEqualTo(2);
  }

  /**
   * The user stack with fencing applied on node 1 (corosync node id 1), whose registration succeeds while node 2
   * holds the reservation; returns node 1's key.
   */
  String registrationOfNode1UnderNode2sReservation() {
    host.cluster.apply(fencedRequest());
    String key = "0xe736e55600000001";
    host.fake.on("mpathpersist", "--out", "--register-ignore", "--param-sark=" + key, "/dev/mapper/mylun")
        .reply(Reply.ok(""));
    host.fake.on("mpathpersist", "-i", "-r", "/dev/mapper/mylun")
        .reply(Reply.ok(captured(DIR + "mpathpersist-i-r.txt").replace("0x1", "0xe736e55600000002")));
    return key;
  }
}
