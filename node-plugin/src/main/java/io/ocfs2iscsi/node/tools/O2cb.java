package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import io.ocfs2iscsi.node.host.HostFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The o2cb cluster stack: the {@code o2cb} tool for registration, and configfs (/sys/kernel/config/cluster) for
 * what the kernel has live. Without systemd nothing else brings o2cb up: cluster.conf is written, configfs and
 * ocfs2_dlmfs are mounted, then {@code o2cb register-cluster} creates the cluster and its nodes in configfs. On a
 * registered cluster the same command adds new nodes and drops removed ones, live, without unmounting anything.
 */
public final class O2cb {

  public static final String PROGRAM = "o2cb";
  public static final String CONFIGFS = "/sys/kernel/config";
  public static final String CLUSTERS = CONFIGFS + "/cluster";
  public static final String DLMFS = "/dlm";

  private final CommandRunner runner;
  private final HostFiles files;

  public O2cb(CommandRunner runner, HostFiles files) {
    this.runner = runner;
    this.files = files;
  }

  /** A node as configfs has it. */
  public record LiveNode(String name, int number, String address, int port, boolean local) {}

  /** Registers the cluster of /etc/ocfs2/cluster.conf, or syncs the live nodes of a registered one with it. */
  public void registerCluster(String name) {
    CommandResult r = runner.run(Command.of(PROGRAM, "register-cluster", name));
    if (!r.ok()) {
      throw new ToolFailure("registering o2cb cluster " + name, r);
    }
  }

  public void unregisterCluster(String name) {
    CommandResult r = runner.run(Command.of(PROGRAM, "unregister-cluster", name));
    if (!r.ok()) {
      throw new ToolFailure("unregistering o2cb cluster " + name, r);
    }
  }

  /** Stops a disk heartbeat region that outlived its mount (ocfs2_hb_ctl -K), by filesystem UUID. */
  public void stopHeartbeat(String uuid) {
    CommandResult r = runner.run(Command.of("ocfs2_hb_ctl", "-K", "-u", uuid));
    if (!r.ok()) {
      throw new ToolFailure("stopping the o2cb heartbeat of filesystem " + uuid, r);
    }
  }

  /** configfs names heartbeat regions by the filesystem UUID in upper case without dashes. */
  public static String regionName(String uuid) {
    return uuid.replace("-", "").toUpperCase(java.util.Locale.ROOT);
  }

  public CommandResult version() {
    return runner.run(Command.of(PROGRAM, "--version"));
  }

  /** Names of the clusters registered in configfs (o2cb allows one). */
  public List<String> registeredClusters() {
    return files.list(CLUSTERS).stream().filter(n -> files.isDirectory(CLUSTERS + "/" + n)).toList();
  }

  public Map<String, LiveNode> liveNodes(String cluster) {
    Map<String, LiveNode> out = new LinkedHashMap<>();
    String dir = CLUSTERS + "/" + cluster + "/node";
    for (String n : files.list(dir)) {
      String base = dir + "/" + n + "/";
      out.put(
          n,
          new LiveNode(
              n,
              intAttr(base + "num").orElse(-1),
              files.read(base + "ipv4_address").orElse("").strip(),
              intAttr(base + "ipv4_port").orElse(-1),
              intAttr(base + "local").orElse(0) == 1));
    }
    return out;
  }

  /** UUIDs (upper case, no dashes) of the disk heartbeat regions this node runs in the cluster. */
  public List<String> heartbeatRegions(String cluster) {
    String dir = CLUSTERS + "/" + cluster + "/heartbeat";
    return files.list(dir).stream().filter(n -> files.isDirectory(dir + "/" + n)).toList();
  }

  /** Where o2hb shows each heartbeat region in debugfs. */
  public static final String O2HB_DEBUGFS = "/sys/kernel/debug/o2hb";

  /**
   * Milliseconds since the region's last completed heartbeat write: o2hb re-arms its write timeout after each write
   * and shows the time since then as elapsed_time_in_ms; the node fences itself when it reaches the dead time.
   * Empty when debugfs is not mounted or the region is not there.
   */
  public Optional<Long> heartbeatSilenceMs(String region) {
    try {
      return files.read(O2HB_DEBUGFS + "/" + region + "/elapsed_time_in_ms").map(String::strip)
          .filter(s -> s.matches("\\d{1,12}")).map(Long::parseLong);
    } catch (java.io.UncheckedIOException e) {
      return Optional.empty();
    }
  }

  public O2cbConfigfsTimeouts timeouts(String cluster) {
    String base = CLUSTERS + "/" + cluster + "/";
    O2cbConfigfsTimeouts d = O2cbConfigfsTimeouts.DEFAULTS;
    return new O2cbConfigfsTimeouts(
        intAttr(base + O2cbConfigfsTimeouts.DEAD_THRESHOLD).orElse(d.deadThreshold()),
        intAttr(base + O2cbConfigfsTimeouts.IDLE_TIMEOUT_MS).orElse(d.idleTimeoutMs()),
        intAttr(base + O2cbConfigfsTimeouts.KEEPALIVE_DELAY_MS).orElse(d.keepaliveDelayMs()),
        intAttr(base + O2cbConfigfsTimeouts.RECONNECT_DELAY_MS).orElse(d.reconnectDelayMs()));
  }

  /** Writes one timeout attribute; the kernel refuses some changes while peers are connected (then it throws). */
  public void writeTimeout(String cluster, O2cbConfigfsTimeouts.Write w) {
    files.writeAttribute(CLUSTERS + "/" + cluster + "/" + w.attribute(), Integer.toString(w.value()));
  }

  /** A numeric attribute; empty when absent or unreadable (configfs attributes can refuse reads). */
  private Optional<Integer> intAttr(String path) {
    try {
      return files.read(path).map(String::strip).filter(s -> s.matches("-?\\d+")).map(Integer::parseInt);
    } catch (java.io.UncheckedIOException e) {
      return Optional.empty();
    }
  }
}
