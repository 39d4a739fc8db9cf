package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * corosync and its tools. corosync started without -f daemonizes itself (session leader, stdio on /dev/null, pid in
 * /run/corosync.pid): it outlives the process that started it. Where the host runs systemd, its unit starts it
 * instead, so that systemd owns it.
 */
public final class Corosync {

  public static final String PROGRAM = "corosync";
  /** Written by the daemonized corosync (kept open and locked while it runs). */
  public static final String PID_FILE = "/run/corosync.pid";

  private final CommandRunner runner;

  public Corosync(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * What corosync-quorumtool -s reports.
   *
   * @param localNodeId this node's corosync nodeid
   * @param members the nodeids in the membership, in the tool's order
   */
  public record Quorum(boolean quorate, int localNodeId, List<Integer> members) {}

  /**
   * The quorum as corosync sees it; empty when corosync is not running. The tool exits 0 when quorate, 2 when not,
   * and 1 when it cannot reach corosync.
   */
  public Optional<Quorum> quorum() {
    CommandResult r = runner.run(Command.of("corosync-quorumtool", "-s"));
    if (r.exitCode() == 0 || r.exitCode() == 2) {
      return Optional.of(parseQuorum(r.stdout()));
    }
    if (r.exitCode() == 1 && r.stdout().isBlank()) {
      return Optional.empty();
    }
    throw new ToolFailure("reading corosync's quorum", r);
  }

  private static final Pattern QUORATE = Pattern.compile("^Quorate:\\s+(Yes|No)\\s*$", Pattern.MULTILINE);
  private static final Pattern NODE_ID = Pattern.compile("^Node ID:\\s+(\\d+)\\s*$", Pattern.MULTILINE);
  private static final Pattern MEMBER = Pattern.compile("^\\s+(\\d+)\\s+\\d+\\s+\\S+.*$", Pattern.MULTILINE);

  static Quorum parseQuorum(String out) {
    Matcher q = QUORATE.matcher(out);
    Matcher id = NODE_ID.matcher(out);
    if (!q.find() || !id.find()) {
      throw new IllegalArgumentException("corosync-quorumtool -s printed no Quorate/Node ID lines");
    }
    int membership = out.indexOf("Membership information");
    List<Integer> members = new ArrayList<>();
    if (membership >= 0) {
      Matcher m = MEMBER.matcher(out.substring(membership));
      while (m.find()) {
        members.add(Integer.parseInt(m.group(1)));
      }
    }
    return new Quorum(q.group(1).equals("Yes"), Integer.parseInt(id.group(1)), List.copyOf(members));
  }

  /** totem.cluster_name of the running corosync; empty when it does not run (or has no name). */
  public Optional<String> clusterName() {
    return runtimeString("totem.cluster_name", "reading corosync's cluster name");
  }

  /**
   * totem.crypto_cipher of the running corosync ("none", "aes256", ...); empty when it does not run. A running
   * corosync keeps the crypto it started with until it restarts.
   */
  public Optional<String> cryptoCipher() {
    return runtimeString("totem.crypto_cipher", "reading corosync's crypto_cipher");
  }

  private Optional<String> runtimeString(String key, String what) {
    CommandResult r = runner.run(Command.of("corosync-cmapctl", "-g", key));
    if (!r.ok()) {
      if (r.programMissing()) {
        throw new ToolFailure(what, r);
      }
      return Optional.empty();
    }
    return parseCmapString(r.stdout(), key);
  }

  /** The value of {@code key} in corosync-cmapctl's "KEY (str) = VALUE" output. */
  static Optional<String> parseCmapString(String out, String key) {
    Matcher m = Pattern.compile("^" + Pattern.quote(key) + " \\(str\\) = (.*)$", Pattern.MULTILINE).matcher(out);
    return m.find() ? Optional.of(m.group(1).strip()) : Optional.empty();
  }

  /** Starts corosync: through systemd's unit where the host runs systemd, else detached by itself. */
  public void start(boolean systemd) {
    HostDaemon.start(runner, systemd, "corosync.service", PROGRAM);
  }

  /** Tells every corosync of the cluster to read corosync.conf again (nodes added or removed live). */
  public void reload() {
    CommandResult r = runner.run(Command.of("corosync-cfgtool", "-R"));
    if (!r.ok()) {
      throw new ToolFailure("reloading corosync.conf", r);
    }
  }
}
