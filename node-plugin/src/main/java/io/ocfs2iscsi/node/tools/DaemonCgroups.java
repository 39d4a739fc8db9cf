package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.host.Sleeper;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Host cgroups of their own for the cluster stack's daemons, on a host without systemd where the plugin runs in a
 * pod: a daemon started through nsenter stays in the container's cgroup, and the runtime kills every process of a
 * host-PID container's cgroup when the container stops. Moved to {@code /sys/fs/cgroup/ocfs2-iscsi-daemons/<daemon>}
 * it outlives the plugin's restarts. The moves run in the host's cgroup namespace ({@code nsenter -t 1 -C}): with
 * cgroup2's nsdelegate a process inside a container's cgroup namespace cannot move a process outside of it. Every
 * process of the daemon's session that is in the container's cgroup moves (dlm_controld keeps a helper child for its
 * fence agents).
 */
public final class DaemonCgroups {

  /** cgroup2's root on the host; cgroup.controllers exists only on a cgroup2 mount. */
  static final String CGROUP2_ROOT = "/sys/fs/cgroup";
  /** The parent of the daemons' cgroups, relative to cgroup2's root. */
  public static final String PARENT = "/ocfs2-iscsi-daemons";
  static final List<String> IN_HOST_CGROUP_NAMESPACE = List.of("nsenter", "-t", "1", "-C", "--");
  /** A daemon returns as soon as it has forked; its pid file follows within a second. */
  static final Duration PID_FILE_WAIT = Duration.ofSeconds(10);
  static final Duration POLL = Duration.ofMillis(250);

  private static final Pattern NAME = Pattern.compile("[a-z][a-z_]{0,14}");
  private static final Pattern PID = Pattern.compile("[1-9][0-9]{0,9}");

  private final CommandRunner runner;
  private final HostFiles files;
  private final Sleeper sleeper;

  public DaemonCgroups(CommandRunner runner, HostFiles files, Sleeper sleeper) {
    this.runner = runner;
    this.files = files;
    this.sleeper = sleeper;
  }

  /** Whether the host mounts cgroup2 where daemons can be moved (not a cgroup v1 host). */
  public boolean available() {
    return files.exists(CGROUP2_ROOT + "/cgroup.controllers");
  }

  /** The cgroup (relative to cgroup2's root) where {@code daemon}'s processes run. */
  public static String cgroupOf(String daemon) {
    if (!NAME.matcher(daemon).matches()) {
      throw new IllegalArgumentException("daemon name must be lower-case letters and _, got '" + daemon + "'");
    }
    return PARENT + "/" + daemon;
  }

  /**
   * Moves every process of the session of {@code daemon} (the program name its /proc comm shows), whose pid is in
   * {@code pidFile}, that runs in the plugin's own container cgroup (or below it) into the daemon's cgroup, creating
   * it when missing. Processes elsewhere stay where they are: corosync moves itself to the root cgroup (it runs
   * SCHED_RR, and a realtime task cannot join a cgroup with the cpu controller: the kernel answers EINVAL), and an
   * administrator's placement is theirs. A realtime process of the container is moved to the root cgroup for the
   * same reason. Returns the daemon's pid.
   */
  public int adopt(String daemon, String pidFile) {
    String cgroup = cgroupOf(daemon);
    int pid = daemonPid(daemon, pidFile);
    String container = ownCgroup();
    List<Integer> inContainer = new ArrayList<>();
    for (int p : sessionPids(pid)) {
      if (cgroupOfPid(p).filter(c -> within(c, container)).isPresent()) {
        inContainer.add(p);
      }
    }
    if (inContainer.isEmpty()) {
      return pid;
    }
    hostCgroupCommand("creating the cgroup of " + daemon, "mkdir", "-p", CGROUP2_ROOT + cgroup);
    for (int p : inContainer) {
      CommandResult r = moveInto(cgroup, p);
      if (!r.ok() && r.stderr().contains("Invalid argument")) {
        r = moveInto("", p);
      }
      if (!r.ok() && cgroupOfPid(p).isPresent()) {
        throw new ToolFailure("moving " + daemon + " (pid " + p + ") out of the node plugin's container cgroup "
            + container + " into " + CGROUP2_ROOT + cgroup, r);
      }
    }
    Optional<String> now = cgroupOfPid(pid);
    if (now.isEmpty() || within(now.get(), container)) {
      throw new IllegalStateException(daemon + " (pid " + pid + ") is in cgroup " + now.orElse("(gone)")
          + " after moving it out of the node plugin's container cgroup " + container);
    }
    return pid;
  }

  /** Writes {@code pid} to the cgroup.procs of {@code cgroup} ("" the root); tee writes it in one write(2). */
  private CommandResult moveInto(String cgroup, int pid) {
    return runner.run(new Command(hostCgroupArgv("tee", CGROUP2_ROOT + cgroup + "/cgroup.procs"),
        Command.DEFAULT_TIMEOUT).withStdin(pid + "\n"));
  }

  static boolean within(String cgroup, String ancestor) {
    return cgroup.equals(ancestor) || cgroup.startsWith(ancestor.endsWith("/") ? ancestor : ancestor + "/");
  }

  /**
   * The node plugin's own cgroup as the host sees it: that of a process it starts ({@code cat /proc/self/cgroup}
   * through nsenter joins the host's namespaces but stays in the container's cgroup).
   */
  String ownCgroup() {
    CommandResult r = runner.run(new Command(hostCgroupArgv("cat", "/proc/self/cgroup"), Command.DEFAULT_TIMEOUT));
    if (!r.ok()) {
      throw new ToolFailure("reading the node plugin's own cgroup", r);
    }
    String own = parseProcCgroup(r.stdout());
    if (own.equals("/")) {
      throw new IllegalStateException("the node plugin runs in the host's root cgroup: it is no container whose"
          + " cgroup the daemons would have to leave");
    }
    return own;
  }

  /**
   * The pid in {@code pidFile} once it names a running {@code daemon}; waits briefly for the file, which a
   * daemonizing program writes after its starter has returned.
   */
  int daemonPid(String daemon, String pidFile) {
    long attempts = PID_FILE_WAIT.toMillis() / POLL.toMillis();
    String last = "no " + pidFile;
    for (long attempt = 1; ; attempt++) {
      Optional<String> text = files.read(pidFile);
      if (text.isPresent()) {
        Optional<Integer> pid = parsePidFile(text.get());
        if (pid.isPresent()) {
          Optional<String> comm = files.read("/proc/" + pid.get() + "/comm").map(String::strip);
          if (comm.filter(daemon::equals).isPresent()) {
            return pid.get();
          }
          last = pidFile + " names pid " + pid.get() + ", which is " + comm.map(c -> "'" + c + "'")
              .orElse("not running");
        } else {
          last = pidFile + " holds no pid: '" + text.get().strip() + "'";
        }
      }
      if (attempt >= attempts) {
        throw new IllegalStateException("cannot find the pid of " + daemon + " within " + PID_FILE_WAIT.toSeconds()
            + " s: " + last);
      }
      sleeper.sleep(POLL);
    }
  }

  /** A pid file's pid: decimal digits and a newline, as corosync and dlm_controld write it. */
  public static Optional<Integer> parsePidFile(String text) {
    String t = text.strip();
    return PID.matcher(t).matches() && Long.parseLong(t) <= Integer.MAX_VALUE
        ? Optional.of(Integer.parseInt(t)) : Optional.empty();
  }

  /** Every process of the session {@code sid} leads (pgrep -s), the leader first. */
  List<Integer> sessionPids(int sid) {
    CommandResult r = runner.run(Command.of("pgrep", "-s", Integer.toString(sid)));
    if (r.exitCode() == 1 && r.stdout().isBlank()) {
      throw new IllegalStateException("no process in the session of pid " + sid + ": it stopped running, or it is"
          + " not a session leader (corosync and dlm_controld are, once they have detached)");
    }
    if (!r.ok()) {
      throw new ToolFailure("listing the processes of session " + sid, r);
    }
    List<Integer> pids = new ArrayList<>(List.of(sid));
    for (int p : parsePgrep(r.stdout())) {
      if (p != sid) {
        pids.add(p);
      }
    }
    return List.copyOf(pids);
  }

  /** pgrep's output: one pid a line. */
  public static List<Integer> parsePgrep(String out) {
    List<Integer> pids = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      pids.add(parsePidFile(line).orElseThrow(() ->
          new IllegalArgumentException("pgrep printed a line that is no pid: '" + line + "'")));
    }
    return List.copyOf(pids);
  }

  /** The cgroup2 path of {@code pid} as the host sees it; empty when the process is gone. */
  Optional<String> cgroupOfPid(int pid) {
    CommandResult r = runner.run(new Command(hostCgroupArgv("cat", "/proc/" + pid + "/cgroup"),
        Command.DEFAULT_TIMEOUT));
    if (!r.ok()) {
      if (r.stderr().contains("No such file or directory")) {
        return Optional.empty();
      }
      throw new ToolFailure("reading the cgroup of pid " + pid, r);
    }
    return Optional.of(parseProcCgroup(r.stdout()));
  }

  /** The unified hierarchy's path in /proc/PID/cgroup ("0::/path"). */
  public static String parseProcCgroup(String out) {
    for (String line : out.split("\n")) {
      if (line.startsWith("0::")) {
        return line.substring(3).strip();
      }
    }
    throw new IllegalArgumentException("/proc/PID/cgroup has no cgroup2 line (0::...): '" + out.strip() + "'");
  }

  private void hostCgroupCommand(String what, String... argv) {
    CommandResult r = runner.run(new Command(hostCgroupArgv(argv), Command.DEFAULT_TIMEOUT));
    if (!r.ok()) {
      throw new ToolFailure(what, r);
    }
  }

  private static List<String> hostCgroupArgv(String... argv) {
    List<String> a = new ArrayList<>(IN_HOST_CGROUP_NAMESPACE);
    a.addAll(List.of(argv));
    return a;
  }
}
