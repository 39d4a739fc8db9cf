package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * dlm_controld and dlm_tool. dlm_controld started without --foreground daemonizes itself and outlives the process
 * that started it; where the host runs systemd, its unit starts it instead. It must never be killed while a lockspace
 * exists: a node whose dlm_controld left lockspaces behind needs a reboot.
 */
public final class DlmTool {

  public static final String PROGRAM = "dlm_controld";
  /** Written by the daemonized dlm_controld; its helper child runs in the same session. */
  public static final String PID_FILE = "/run/dlm_controld/dlm_controld.pid";

  private final CommandRunner runner;

  public DlmTool(CommandRunner runner) {
    this.runner = runner;
  }

  /** What dlm_tool status reports: this node's id, the daemon's view of quorum, the joined members' ids. */
  public record Status(int localNodeId, boolean quorate, List<Integer> members) {}

  /** One lockspace (an OCFS2 volume's is named after its UUID) and the nodeids in it. */
  public record Lockspace(String name, List<Integer> members) {}

  private static final Pattern CLUSTER =
      Pattern.compile("^cluster nodeid (\\d+) quorate (\\d+)", Pattern.MULTILINE);
  private static final Pattern NODE = Pattern.compile("^node (\\d+) ([A-Z])\\b", Pattern.MULTILINE);

  /**
   * dlm_controld's status; empty when no daemon answers. dlm_tool exits 0 even then ("cannot connect to
   * dlm_controld" on stdout), so the output decides, not the exit code.
   */
  public Optional<Status> status() {
    CommandResult r = runner.run(Command.of("dlm_tool", "status"));
    if (r.stdout().contains("cannot connect to dlm_controld")) {
      return Optional.empty();
    }
    if (!r.ok()) {
      throw new ToolFailure("reading dlm_controld's status", r);
    }
    return Optional.of(parseStatus(r.stdout()));
  }

  static Status parseStatus(String out) {
    Matcher c = CLUSTER.matcher(out);
    if (!c.find()) {
      throw new IllegalArgumentException("dlm_tool status printed no 'cluster nodeid' line");
    }
    List<Integer> members = new ArrayList<>();
    Matcher n = NODE.matcher(out);
    while (n.find()) {
      if (n.group(2).equals("M")) {
        members.add(Integer.parseInt(n.group(1)));
      }
    }
    return new Status(Integer.parseInt(c.group(1)), c.group(2).equals("1"), List.copyOf(members));
  }

  /** The lockspaces this node is in. */
  public List<Lockspace> lockspaces() {
    CommandResult r = runner.run(Command.of("dlm_tool", "ls"));
    if (r.stdout().contains("cannot connect to dlm_controld")) {
      return List.of();
    }
    if (!r.ok()) {
      throw new ToolFailure("listing the dlm lockspaces", r);
    }
    return parseLockspaces(r.stdout());
  }

  static List<Lockspace> parseLockspaces(String out) {
    List<Lockspace> spaces = new ArrayList<>();
    String name = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("name ")) {
        name = line.substring("name ".length()).strip();
      } else if (line.startsWith("members ") && name != null) {
        List<Integer> ids = Arrays.stream(line.substring("members ".length()).strip().split("\\s+"))
            .filter(s -> !s.isEmpty()).map(Integer::parseInt).toList();
        spaces.add(new Lockspace(name, ids));
        name = null;
      }
    }
    return List.copyOf(spaces);
  }

  /** Starts dlm_controld: through systemd's unit where the host runs systemd, else detached by itself. */
  public void start(boolean systemd) {
    HostDaemon.start(runner, systemd, "dlm.service", PROGRAM);
  }
}
