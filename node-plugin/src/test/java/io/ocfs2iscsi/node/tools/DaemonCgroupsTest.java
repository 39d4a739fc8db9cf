package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Moving the cluster stack's daemons out of the node plugin's container cgroup, replaying what the guests of the real
 * cluster printed (UserPathTest's user-stack steps: the node plugin in a pod, no systemd, cgroup2 with nsdelegate).
 */
class DaemonCgroupsTest {

  private static final String DIR = "e2e/user-stack/";
  private static final String PROCS = "/sys/fs/cgroup/ocfs2-iscsi-daemons/dlm_controld/cgroup.procs";

  @TempDir Path root;
  FakeCommandRunner fake = new FakeCommandRunner();
  HostFiles files;
  DaemonCgroups cgroups;
  /** The host's view of each process's cgroup ("/proc/PID/cgroup"); the fake tee changes it. */
  final Map<Integer, String> cgroupOfPid = new LinkedHashMap<>();
  /** The node plugin's container cgroup, as captured. */
  final String pod = DaemonCgroups.parseProcCgroup(captured(DIR + "proc-cgroup-node-plugin.txt"));
  int sleeps;

  @BeforeEach
  void setUp() {
    files = new HostFiles(root);
    cgroups = new DaemonCgroups(fake, files, d -> sleeps++);
    fake.onPrefix("nsenter", "-t", "1", "-C", "--", "cat").answer(a -> {
      String c = cgroupOfPid.get(Integer.parseInt(a.get(6).split("/")[2]));
      return c == null ? new Reply(1, "", "cat: " + a.get(6) + ": No such file or directory\n")
          : Reply.ok("0::" + c + "\n");
    });
    // cat started by the plugin runs in the plugin's container cgroup.
    fake.on("nsenter", "-t", "1", "-C", "--", "cat", "/proc/self/cgroup")
        .reply(Reply.ok(captured(DIR + "proc-cgroup-node-plugin.txt")));
    fake.onPrefix("nsenter", "-t", "1", "-C", "--", "mkdir", "-p").reply(Reply.ok());
    // tee moves the pid it reads on stdin (the input of the command being answered is the last one recorded).
    fake.onPrefix("nsenter", "-t", "1", "-C", "--", "tee").answer(a -> {
      String input = lastInput();
      String procs = a.get(6);
      String cgroup = procs.substring("/sys/fs/cgroup".length(), procs.length() - "/cgroup.procs".length());
      cgroupOfPid.put(Integer.parseInt(input.strip()), cgroup.isEmpty() ? "/" : cgroup);
      return Reply.ok(input);
    });
  }

  String lastInput() {
    List<String> in = fake.inputs();
    String last = in.get(in.size() - 1);
    return last.substring(last.indexOf("<<< ") + 4);
  }

  /** A daemon as captured: its pid file, its comm, its session, every process of it in {@code cgroup}. */
  int runs(String program, String pidFile, String capturedPidFile, String capturedSession, String cgroup) {
    String text = captured(DIR + capturedPidFile);
    int pid = DaemonCgroups.parsePidFile(text).orElseThrow();
    files.writeAtomically(pidFile, text, false);
    files.writeAtomically("/proc/" + pid + "/comm", program + "\n", false);
    String session = captured(DIR + capturedSession);
    fake.on("pgrep", "-s", Integer.toString(pid)).reply(Reply.ok(session));
    for (int p : DaemonCgroups.parsePgrep(session)) {
      cgroupOfPid.put(p, cgroup);
    }
    return pid;
  }

  int dlmControldRuns(String cgroup) {
    return runs("dlm_controld", "/run/dlm_controld/dlm_controld.pid", "dlm-controld-pid-file.txt",
        "pgrep-s-dlm-controld.txt", cgroup);
  }

  @Test
  void parsersReadWhatTheGuestsPrinted() {
    assertThat(DaemonCgroups.parsePidFile(captured(DIR + "corosync-pid-file.txt"))).contains(8781);
    assertThat(DaemonCgroups.parsePgrep(captured(DIR + "pgrep-s-corosync.txt"))).containsExactly(8781);
    int dlm = DaemonCgroups.parsePidFile(captured(DIR + "dlm-controld-pid-file.txt")).orElseThrow();
    assertThat(DaemonCgroups.parsePgrep(captured(DIR + "pgrep-s-dlm-controld.txt")))
        .as("the daemon and its helper child").hasSize(2).contains(dlm);
    assertThat(DaemonCgroups.parseProcCgroup(captured(DIR + "proc-cgroup-corosync-root.txt"))).isEqualTo("/");
    assertThat(DaemonCgroups.parseProcCgroup(captured(DIR + "proc-cgroup-dlm-controld-own-cgroup.txt")))
        .isEqualTo(DaemonCgroups.cgroupOf("dlm_controld"));
    assertThat(pod).startsWith("/kubepods/burstable/pod");
  }

  @Test
  void badPidFilesNamesAndCgroupLinesAreRefused() {
    assertThat(DaemonCgroups.parsePidFile("")).isEmpty();
    assertThat(DaemonCgroups.parsePidFile("0\n")).isEmpty();
    assertThat(DaemonCgroups.parsePidFile("12 13\n")).isEmpty();
    assertThat(DaemonCgroups.parsePidFile("99999999999\n")).isEmpty();
    assertThat(DaemonCgroups.parsePidFile("-1\n")).isEmpty();
    assertThatThrownBy(() -> DaemonCgroups.parsePgrep("12\nx\n")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DaemonCgroups.cgroupOf("../etc")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("daemon name");
    assertThatThrownBy(() -> DaemonCgroups.parseProcCgroup("1:name=systemd:/\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(DaemonCgroups.within(pod + "/child", pod)).isTrue();
    assertThat(DaemonCgroups.within(pod + "0", pod)).as("a sibling with a longer name").isFalse();
  }

  @Test
  void everyProcessOfTheSessionInThePodsCgroupMovesThroughTheHostsCgroupNamespace() {
    int pid = dlmControldRuns(pod);
    List<Integer> session = DaemonCgroups.parsePgrep(captured(DIR + "pgrep-s-dlm-controld.txt"));

    assertThat(cgroups.adopt("dlm_controld", "/run/dlm_controld/dlm_controld.pid")).isEqualTo(pid);

    assertThat(session).allSatisfy(p ->
        assertThat(cgroupOfPid.get(p)).isEqualTo("/ocfs2-iscsi-daemons/dlm_controld"));
    assertThat(fake.inputs()).containsExactlyElementsOf(session.stream()
        .map(p -> "nsenter -t 1 -C -- tee " + PROCS + " <<< " + p + "\n").toList());
    assertThat(fake.calls()).containsSubsequence("nsenter -t 1 -C -- cat /proc/self/cgroup", "pgrep -s " + pid,
        "nsenter -t 1 -C -- mkdir -p /sys/fs/cgroup/ocfs2-iscsi-daemons/dlm_controld",
        "nsenter -t 1 -C -- tee " + PROCS);
  }

  /** corosync moves itself to the root cgroup as soon as it has detached (captured): it is left there. */
  @Test
  void aDaemonOutsideThePodsCgroupIsLeftAlone() {
    int pid = runs("corosync", "/run/corosync.pid", "corosync-pid-file.txt", "pgrep-s-corosync.txt",
        DaemonCgroups.parseProcCgroup(captured(DIR + "proc-cgroup-corosync-root.txt")));

    assertThat(cgroups.adopt("corosync", "/run/corosync.pid")).isEqualTo(pid);

    assertThat(fake.inputs()).isEmpty();
    assertThat(fake.calls()).noneMatch(c -> c.contains("mkdir") || c.contains("tee"));
  }

  /**
   * A realtime (SCHED_RR) process cannot join a cgroup with the cpu controller: tee gets EINVAL (captured with
   * corosync); it goes to the root cgroup instead, where corosync puts itself.
   */
  @Test
  void aRealtimeProcessTheOwnCgroupRefusesGoesToTheRootCgroup() {
    int pid = runs("corosync", "/run/corosync.pid", "corosync-pid-file.txt", "pgrep-s-corosync.txt", pod);
    fake.on("nsenter", "-t", "1", "-C", "--", "tee", "/sys/fs/cgroup/ocfs2-iscsi-daemons/corosync/cgroup.procs")
        .reply(new Reply(1, "", captured(DIR + "tee-cgroup-procs-corosync-realtime.stderr.txt")));

    assertThat(cgroups.adopt("corosync", "/run/corosync.pid")).isEqualTo(pid);

    assertThat(cgroupOfPid.get(pid)).isEqualTo("/");
    assertThat(fake.calls()).containsSubsequence(
        "nsenter -t 1 -C -- tee /sys/fs/cgroup/ocfs2-iscsi-daemons/corosync/cgroup.procs",
        "nsenter -t 1 -C -- tee /sys/fs/cgroup/cgroup.procs");
  }

  @Test
  void aMoveThatFailsOtherwiseIsAnErrorNamingTheDaemonAndTheCgroups() {
    int pid = dlmControldRuns(pod);
    fake.on("nsenter", "-t", "1", "-C", "--", "tee", PROCS)
        .reply(new Reply(1, "", "tee: " + PROCS + ": Operation not permitted\n"));

    assertThatThrownBy(() -> cgroups.adopt("dlm_controld", "/run/dlm_controld/dlm_controld.pid"))
        .isInstanceOf(ToolFailure.class)
        .hasMessageContaining("moving dlm_controld (pid " + pid + ") out of the node plugin's container cgroup " + pod)
        .hasMessageContaining("Operation not permitted");
    assertThat(fake.calls()).doesNotContain("nsenter -t 1 -C -- tee /sys/fs/cgroup/cgroup.procs");
  }

  @Test
  void aPidFileNamingAnotherProgramMovesNothing() {
    files.writeAtomically("/run/corosync.pid", captured(DIR + "corosync-pid-file.txt"), false);
    files.writeAtomically("/proc/8781/comm", "bash\n", false);

    assertThatThrownBy(() -> cgroups.adopt("corosync", "/run/corosync.pid"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("/run/corosync.pid names pid 8781, which is 'bash'");
    assertThat(fake.calls()).isEmpty();
    assertThat(sleeps).as("retried for the pid file's wait").isGreaterThan(10);
  }

  @Test
  void aPidFileWrittenAfterTheStarterReturnedIsWaitedFor() {
    int pid = dlmControldRuns("/ocfs2-iscsi-daemons/dlm_controld");
    String text = files.read("/run/dlm_controld/dlm_controld.pid").orElseThrow();
    files.deleteIfExists("/run/dlm_controld/dlm_controld.pid");
    cgroups = new DaemonCgroups(fake, files, d -> {
      sleeps++;
      if (sleeps == 3) {
        files.writeAtomically("/run/dlm_controld/dlm_controld.pid", text, false);
      }
    });

    assertThat(cgroups.adopt("dlm_controld", "/run/dlm_controld/dlm_controld.pid")).isEqualTo(pid);
    assertThat(sleeps).isEqualTo(3);
  }

  @Test
  void cgroup2IsWhatMakesTheMovePossible() {
    assertThat(cgroups.available()).isFalse();
    files.writeAtomically("/sys/fs/cgroup/cgroup.controllers", "cpu io memory pids\n", false);
    assertThat(cgroups.available()).isTrue();
    assertThat(DaemonCgroups.cgroupOf("dlm_controld")).isEqualTo("/ocfs2-iscsi-daemons/dlm_controld");
  }
}
