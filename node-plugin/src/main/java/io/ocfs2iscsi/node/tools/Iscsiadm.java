package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * open-iscsi's iscsiadm: discovery, node record settings, login, logout, sessions. Secrets never pass through
 * here (see {@link IscsiNodeRecords}): iscsiadm -o update takes values on argv, readable by every local user.
 */
public final class Iscsiadm {

  public static final String PROGRAM = "iscsiadm";

  // open-iscsi's include/iscsi_err.h
  public static final int EXIT_SESSION_EXISTS = 15;
  public static final int EXIT_FATAL_LOGIN = 19;
  public static final int EXIT_ISCSID_NOT_CONNECTED = 20;
  public static final int EXIT_NO_OBJECTS_FOUND = 21;
  public static final int EXIT_LOGIN_AUTH_FAILED = 24;

  /** Node record settings this class may write: none of them is secret. */
  public static final Set<String> PLAIN_SETTINGS =
      Set.of("node.session.timeo.replacement_timeout", "node.conn[0].timeo.noop_out_interval",
          "node.conn[0].timeo.noop_out_timeout", "node.startup", "node.conn[0].startup");

  private static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration DISCOVERY_TIMEOUT = Duration.ofSeconds(45);
  /** A portal that answers at all answers SendTargets within milliseconds. */
  static final Duration PROBE_TIMEOUT = Duration.ofSeconds(10);

  private final CommandRunner runner;

  public Iscsiadm(CommandRunner runner) {
    this.runner = runner;
  }

  /** All sessions of the host; empty when there are none (iscsiadm exits 21 then). */
  public List<IscsiSession> sessions() {
    CommandResult r = runner.run(Command.of(PROGRAM, "-m", "session", "-P", "1"));
    if (r.exitCode() == EXIT_NO_OBJECTS_FOUND) {
      return List.of();
    }
    if (!r.ok()) {
      throw failure("listing iSCSI sessions", r);
    }
    return parseSessions(r.stdout());
  }

  /**
   * SendTargets discovery through one portal; creates node records for what the portal advertises that has none.
   * Only "new": iscsiadm's default operations (new, delete, update) would also rewrite every existing record it
   * lists with iscsid.conf's defaults (the settings and CHAP of sessions that are not this volume's) and delete
   * records of this discovery portal that the target no longer lists.
   */
  public List<DiscoveredPortal> discover(Portal portal) {
    return discover(portal, null);
  }

  /**
   * {@link #discover(Portal)} through an open-iscsi iface (null: none): the SendTargets connection leaves through
   * the iface's network interface, and the node records it creates are bound to that iface.
   */
  public List<DiscoveredPortal> discover(Portal portal, String iface) {
    CommandResult r =
        runner.run(
            bound(DISCOVERY_TIMEOUT, iface, PROGRAM, "-m", "discovery", "-t", "sendtargets", "-p", portal.toString(),
                "-o", "new"));
    if (!r.ok()) {
      throw failure("discovery through " + portal, r);
    }
    return parseDiscovery(r.stdout());
  }

  /**
   * Creates the discovery record of a portal (so that its CHAP settings can be written to its file before
   * discovery); an existing record is fine.
   */
  public void createDiscoveryRecord(Portal portal) {
    createDiscoveryRecord(portal, null);
  }

  public void createDiscoveryRecord(Portal portal, String iface) {
    CommandResult created =
        runner.run(
            bound(Command.DEFAULT_TIMEOUT, iface, PROGRAM, "-m", "discoverydb", "-t", "sendtargets", "-p",
                portal.toString(), "-o", "new"));
    if (!created.ok() && created.exitCode() != EXIT_SESSION_EXISTS) {
      throw failure("creating the discovery record for " + portal, created);
    }
  }

  /** Discovery through the portal's discovery record (and its CHAP settings); only "new", as {@link #discover}. */
  public List<DiscoveredPortal> discoverThroughRecord(Portal portal) {
    return discoverThroughRecord(portal, null);
  }

  public List<DiscoveredPortal> discoverThroughRecord(Portal portal, String iface) {
    return parseDiscovery(runDiscoverDb(portal, iface).stdout());
  }

  private CommandResult runDiscoverDb(Portal portal, String iface) {
    CommandResult r =
        runner.run(
            bound(DISCOVERY_TIMEOUT, iface, PROGRAM, "-m", "discoverydb", "-t", "sendtargets", "-p",
                portal.toString(), "-o", "new", "--discover"));
    if (!r.ok()) {
      throw failure("discovery through " + portal, r);
    }
    return r;
  }

  /**
   * What a portal answered to a SendTargets request that writes no node record. {@code answered} also when it
   * refused the request (discovery needs credentials this call does not have): it is reachable then.
   */
  public record Probe(boolean answered, List<DiscoveredPortal> offered, String problem) {}

  /**
   * Asks the portal for its targets without touching the node records ({@code -o nonpersistent}), bounded by a
   * short timeout: a portal whose link is down gets no further than this, and killing this command leaves nothing
   * behind (SendTargets runs in iscsiadm itself; a login would go on in iscsid).
   */
  public Probe probe(Portal portal) {
    return probe(portal, null);
  }

  /** {@link #probe(Portal)} through an open-iscsi iface (null: the routing table's choice). */
  public Probe probe(Portal portal, String iface) {
    CommandResult r =
        runner.run(
            bound(PROBE_TIMEOUT, iface, PROGRAM, "-m", "discovery", "-t", "sendtargets", "-p", portal.toString(),
                "-o", "nonpersistent"));
    if (r.ok()) {
      return new Probe(true, parseDiscovery(r.stdout()), null);
    }
    String problem = failure("discovery through " + portal, r).getMessage();
    boolean refused = r.exitCode() == 5 || r.exitCode() == EXIT_FATAL_LOGIN || r.exitCode() == EXIT_LOGIN_AUTH_FAILED;
    return new Probe(refused, List.of(), problem);
  }

  /**
   * Creates the node record of (iqn, portal) without discovery, with iscsid.conf's defaults; its portal group tag
   * stays unknown (-1) until the first login. Replaces an existing record with defaults, so callers check first.
   */
  public void createNode(String iqn, Portal portal) {
    createNode(iqn, portal, null);
  }

  /** {@link #createNode(String, Portal)} bound to an open-iscsi iface (null: the default one). */
  public void createNode(String iqn, Portal portal, String iface) {
    CommandResult r =
        runner.run(bound(Command.DEFAULT_TIMEOUT, iface, PROGRAM, "-m", "node", "-T", iqn, "-p", portal.toString(),
            "-o", "new"));
    if (!r.ok()) {
      throw failure("creating the node record of " + iqn + " at " + portal, r);
    }
  }

  /** Sets one non-secret node record value (applies to the next login). */
  public void updateNode(String iqn, Portal portal, String key, String value) {
    updateNode(iqn, portal, key, value, null);
  }

  /** {@link #updateNode(String, Portal, String, String)} on the record of one open-iscsi iface (null: all). */
  public void updateNode(String iqn, Portal portal, String key, String value, String iface) {
    if (!PLAIN_SETTINGS.contains(key)) {
      throw new IllegalArgumentException(key + " is not a plain node setting");
    }
    CommandResult r =
        runner.run(
            bound(Command.DEFAULT_TIMEOUT, iface, PROGRAM, "-m", "node", "-T", iqn, "-p", portal.toString(), "-o",
                "update", "-n", key, "-v", value));
    if (!r.ok()) {
      throw failure("setting " + key + " on the node record of " + portal, r);
    }
  }

  /** Logs in; an existing session (exit 15) counts as success. */
  public void login(String iqn, Portal portal) {
    login(iqn, portal, null);
  }

  /** Logs in through one open-iscsi iface (null: through every record of the portal). */
  public void login(String iqn, Portal portal, String iface) {
    CommandResult r =
        runner.run(bound(LOGIN_TIMEOUT, iface, PROGRAM, "-m", "node", "-T", iqn, "-p", portal.toString(), "--login"));
    if (!r.ok() && r.exitCode() != EXIT_SESSION_EXISTS) {
      throw failure("login to " + iqn + " through " + portal, r);
    }
  }

  /** Logs out; no session (exit 21) counts as success. */
  public void logout(String iqn, Portal portal) {
    logout(iqn, portal, null);
  }

  /** Logs out of the session through one open-iscsi iface (null: every session of the portal). */
  public void logout(String iqn, Portal portal, String iface) {
    CommandResult r =
        runner.run(bound(LOGIN_TIMEOUT, iface, PROGRAM, "-m", "node", "-T", iqn, "-p", portal.toString(),
            "--logout"));
    if (!r.ok() && r.exitCode() != EXIT_NO_OBJECTS_FOUND) {
      throw failure("logout from " + iqn + " through " + portal, r);
    }
  }

  /**
   * Logs out of one session, named by its sid (other sessions of the same node record stay); a session that is gone
   * already (exit 21) counts as success.
   */
  public void logoutSession(int sid) {
    if (sid <= 0) {
      throw new IllegalArgumentException("sid must be positive, got " + sid);
    }
    CommandResult r =
        runner.run(Command.of(LOGIN_TIMEOUT, PROGRAM, "-m", "session", "-r", Integer.toString(sid), "-u"));
    if (!r.ok() && r.exitCode() != EXIT_NO_OBJECTS_FOUND) {
      throw failure("logout of session " + sid, r);
    }
  }

  /** Deletes the node record, so that no automatic login brings the session back at boot; absent is fine. */
  public void deleteNode(String iqn, Portal portal) {
    deleteNode(iqn, portal, null);
  }

  /** Deletes the portal's node record of one open-iscsi iface (null: of every iface). */
  public void deleteNode(String iqn, Portal portal, String iface) {
    CommandResult r =
        runner.run(bound(Command.DEFAULT_TIMEOUT, iface, PROGRAM, "-m", "node", "-T", iqn, "-p", portal.toString(),
            "-o", "delete"));
    if (!r.ok() && r.exitCode() != EXIT_NO_OBJECTS_FOUND) {
      throw failure("deleting the node record of " + portal, r);
    }
  }

  /** Creates an open-iscsi iface record (software iSCSI over TCP); the caller checks that it does not exist. */
  public void createIface(String iface) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-m", "iface", "-I", iface, "-o", "new"));
    if (!r.ok()) {
      throw failure("creating the iSCSI iface " + iface, r);
    }
  }

  /** Binds an iface to a network interface: its connections leave through that interface only (SO_BINDTODEVICE). */
  public void bindIface(String iface, String netdev) {
    CommandResult r =
        runner.run(Command.of(PROGRAM, "-m", "iface", "-I", iface, "-o", "update", "-n", "iface.net_ifacename", "-v",
            netdev));
    if (!r.ok()) {
      throw failure("binding the iSCSI iface " + iface + " to " + netdev, r);
    }
  }

  /** Deletes an iface record; an absent one is fine. */
  public void deleteIface(String iface) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-m", "iface", "-I", iface, "-o", "delete"));
    if (!r.ok() && r.exitCode() != EXIT_NO_OBJECTS_FOUND) {
      throw failure("deleting the iSCSI iface " + iface, r);
    }
  }

  /**
   * The argument vector with {@code -I iface} appended when an iface is given (iscsiadm takes options in any order;
   * unbound calls keep their vector as it was).
   */
  static Command bound(Duration timeout, String iface, String... argv) {
    if (iface == null) {
      return Command.of(timeout, argv);
    }
    String[] withIface = java.util.Arrays.copyOf(argv, argv.length + 2);
    withIface[argv.length] = "-I";
    withIface[argv.length + 1] = iface;
    return Command.of(timeout, withIface);
  }

  /** Rescans a session for LUNs added after it logged in. */
  public void rescan(int sid) {
    CommandResult r = runner.run(Command.of(PROGRAM, "-m", "session", "-r", Integer.toString(sid), "--rescan"));
    if (!r.ok()) {
      throw failure("rescanning session " + sid, r);
    }
  }

  public CommandResult version() {
    return runner.run(Command.of(PROGRAM, "--version"));
  }

  /** A readable meaning for iscsiadm's exit codes, or null for the ones without a special message. */
  public static String meaning(int exitCode) {
    return switch (exitCode) {
      case 4 -> "transport error: the portal did not answer (network path down or wrong address?)";
      case 5 -> "login failed";
      case 8 -> "timed out connecting to the portal (network path down?)";
      case EXIT_SESSION_EXISTS -> "a session to this portal already exists";
      case EXIT_FATAL_LOGIN ->
          "the target refused the login for good (unknown target, or this initiator's name is not in the target's"
              + " ACL)";
      case EXIT_ISCSID_NOT_CONNECTED -> "cannot talk to iscsid: is the iscsid daemon running on the host?";
      case EXIT_NO_OBJECTS_FOUND -> "no session or node record found";
      case EXIT_LOGIN_AUTH_FAILED -> "CHAP authentication failed: check the CHAP Secret of the volume";
      default -> null;
    };
  }

  private static ToolFailure failure(String what, CommandResult r) {
    return new ToolFailure(what, r, meaning(r.exitCode()));
  }

  private static final Pattern TARGET = Pattern.compile("^Target:\\s+(\\S+)");
  private static final Pattern PERSISTENT_PORTAL = Pattern.compile("^\\s*Persistent Portal:\\s+(\\S+),(\\d+)");
  private static final Pattern CURRENT_PORTAL = Pattern.compile("^\\s*Current Portal:\\s+(\\S+),(\\d+)");
  private static final Pattern SID = Pattern.compile("^\\s*SID:\\s+(\\d+)");
  private static final Pattern SESSION_STATE = Pattern.compile("^\\s*iSCSI Session State:\\s+(\\S+)");
  private static final Pattern CONNECTION_STATE = Pattern.compile("^\\s*iSCSI Connection State:\\s+(.+?)\\s*$");
  private static final Pattern IFACE = Pattern.compile("^\\s*Iface Name:\\s+(\\S+)");
  private static final Pattern NETDEV = Pattern.compile("^\\s*Iface Netdev:\\s+(\\S+)");

  /**
   * Parses {@code iscsiadm -m session -P 1}: a Target line (newer versions add " (non-flash)"), then per session
   * its portals, interface block, SID and states.
   */
  public static List<IscsiSession> parseSessions(String out) {
    List<IscsiSession> sessions = new ArrayList<>();
    String target = null;
    SessionBuilder b = null;
    for (String line : out.split("\n")) {
      Matcher m;
      if ((m = TARGET.matcher(line)).find()) {
        if (b != null) {
          sessions.add(b.build());
          b = null;
        }
        target = m.group(1);
      } else if ((m = CURRENT_PORTAL.matcher(line)).find()) {
        if (b != null) {
          sessions.add(b.build());
        }
        b = new SessionBuilder(target);
        b.portal = portalOf(m.group(1));
        b.tpgt = Integer.parseInt(m.group(2));
      } else if (b != null && (m = PERSISTENT_PORTAL.matcher(line)).find()) {
        b.portal = portalOf(m.group(1));
        b.tpgt = Integer.parseInt(m.group(2));
      } else if (b != null && (m = SID.matcher(line)).find()) {
        b.sid = Integer.parseInt(m.group(1));
      } else if (b != null && (m = SESSION_STATE.matcher(line)).find()) {
        b.sessionState = m.group(1);
      } else if (b != null && (m = CONNECTION_STATE.matcher(line)).find()) {
        b.connectionState = m.group(1);
      } else if (b != null && (m = IFACE.matcher(line)).find()) {
        b.iface = m.group(1);
      } else if (b != null && (m = NETDEV.matcher(line)).find()) {
        b.netdev = unset(m.group(1)) ? "" : m.group(1);
      }
    }
    if (b != null) {
      sessions.add(b.build());
    }
    return sessions;
  }

  /** How iscsiadm prints a field an iface does not set: "<empty>" (older versions) or "default". */
  private static boolean unset(String value) {
    return value.equals("<empty>") || value.equals("default");
  }

  private static final Pattern DISCOVERY_LINE = Pattern.compile("^(\\S+),(\\d+)\\s+(\\S+)\\s*$");

  /** Parses discovery output: {@code 192.168.0.180:3260,1 iqn.2016-02.local.virtual:virtual.vg1} per line. */
  public static List<DiscoveredPortal> parseDiscovery(String out) {
    List<DiscoveredPortal> found = new ArrayList<>();
    for (String line : out.split("\n")) {
      Matcher m = DISCOVERY_LINE.matcher(line.strip());
      if (m.matches()) {
        Portal p = portalOf(m.group(1));
        if (p != null) {
          found.add(new DiscoveredPortal(p, Integer.parseInt(m.group(2)), m.group(3)));
        }
      }
    }
    return found;
  }

  /** host:port or [v6]:port as iscsiadm prints it; null when it is not a portal (a garbled line). */
  static Portal portalOf(String s) {
    try {
      return Portal.parse(s);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static final class SessionBuilder {
    final String target;
    Portal portal;
    int tpgt;
    int sid;
    String sessionState = "UNKNOWN";
    String connectionState = "UNKNOWN";
    String iface = "default";
    String netdev = "";

    SessionBuilder(String target) {
      this.target = target;
    }

    IscsiSession build() {
      return new IscsiSession(target, portal, tpgt, sid, sessionState, connectionState, iface, netdev);
    }
  }
}
