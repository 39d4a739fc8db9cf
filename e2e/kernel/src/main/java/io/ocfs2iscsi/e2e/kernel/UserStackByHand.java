package io.ocfs2iscsi.e2e.kernel;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What a test of the user-space cluster stack (corosync + dlm_controld, OCFS2 stack label {@code pcmk}) does by hand
 * on the guests of a {@link PluginBed}, because the product never does it: logging in to a LUN and making its map
 * outside the node plugin (to wipe an earlier test's data, or to try SCSI-3 reservations on it), and stopping the
 * daemons (the node plugin starts them and leaves them running). The commands are the ones measured by hand
 * (e2e/guest/captured/user-stack/README.md).
 *
 * <p>corosync's node ids are the o2cb member numbers + 1 (corosync refuses 0, OCFS2 waits for an id above 0).
 */
public final class UserStackByHand {

  static final Duration CMD = Duration.ofSeconds(60);
  static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9_-]{1,16}");
  static final Pattern IPV4 = Pattern.compile("(\\d{1,3}\\.){3}\\d{1,3}");
  static final Pattern ALIAS = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private final PluginBed bed;
  private final ApplyClusterRequest cluster;

  /** The stack of {@code cluster}'s members (the same request the o2cb stack was applied with). */
  public UserStackByHand(PluginBed bed, ApplyClusterRequest cluster) {
    if (!CLUSTER_NAME.matcher(cluster.getClusterName()).matches()) {
      throw new IllegalArgumentException("cluster_name '" + cluster.getClusterName()
          + "' must be 1-16 of [A-Za-z0-9_-] (corosync's totem.cluster_name)");
    }
    for (ClusterMember m : cluster.getMembersList()) {
      if (!IPV4.matcher(m.getAddress()).matches() || !ALIAS.matcher(m.getNodeName()).matches()) {
        throw new IllegalArgumentException("member " + m.getNodeName() + ": address '" + m.getAddress()
            + "' must be an IPv4 address and the name 1-64 of [A-Za-z0-9_-]");
      }
    }
    this.bed = bed;
    this.cluster = cluster;
  }

  public String clusterName() {
    return cluster.getClusterName();
  }

  /**
   * Logs {@code node} in to the volume's target through both portals (new node records, no discovery: it would
   * rewrite other targets' records) and makes its two-path multipath map under the volume's alias.
   */
  public Attached attach(String node, VolumeSpec vol, String wwid) {
    String alias = vol.getMultipath().getAlias();
    if (!ALIAS.matcher(alias).matches() || !wwid.matches("[0-9a-f]{33}")) {
      throw new IllegalArgumentException("alias '" + alias + "' or WWID '" + wwid + "' malformed");
    }
    String iqn = vol.getTarget().getIqn();
    long start = System.nanoTime();
    writeFile(node, "/etc/multipath/conf.d/user-stack-" + alias + ".conf", "multipaths {\n\tmultipath {\n\t\twwid "
        + wwid + "\n\t\talias " + alias + "\n\t\tpath_grouping_policy multibus\n\t\tno_path_retry 12\n\t}\n}\n");
    for (String portal : vol.getTarget().getPortalsList()) {
      // A record may exist from an earlier discovery of that portal (it lists every target): a second one of
      // another layout makes a later "-o delete" fail.
      if (bed.exec(node, CMD, "iscsiadm", "-m", "node", "-T", iqn, "-p", portal).exitCode() != 0) {
        bed.run(node, CMD, "iscsiadm", "-m", "node", "-o", "new", "-T", iqn, "-p", portal);
      }
      TestBed.ExecResult login = bed.exec(node, CMD, "iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "--login");
      if (login.exitCode() != 0 && login.exitCode() != 15) { // 15: session already present
        throw new IllegalStateException(node + ": login to " + iqn + " at " + portal + ": " + login);
      }
    }
    // The login returns before the kernel has scanned the LUN, and multipathd in the guests does not reliably take a
    // path from its uevent: wait for both disks, reconfigure, and add a path the map still lacks after 2 s
    // explicitly (what the node plugin does).
    double loggedIn = secondsSince(start);
    List<String> disks = new java.util.ArrayList<>();
    for (String portal : vol.getTarget().getPortalsList()) {
      String byPath = "/dev/disk/by-path/ip-" + portal + "-iscsi-" + iqn + "-lun-" + vol.getTarget().getLun();
      boolean appeared = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(250),
          () -> bed.exec(node, CMD, "test", "-b", byPath).exitCode() == 0);
      if (!appeared) {
        throw new IllegalStateException(node + ": " + byPath + " did not appear within 60 s; " + bed.diagnostics(node));
      }
      String disk = bed.run(node, CMD, "readlink", "-f", byPath).strip();
      if (!disk.matches("/dev/sd[a-z]+")) {
        throw new IllegalStateException(node + ": " + byPath + " points to " + disk + ", not a SCSI disk");
      }
      disks.add(disk.substring("/dev/".length()));
    }
    double disksThere = secondsSince(start);
    bed.run(node, CMD, "multipathd", "reconfigure");
    long t0 = System.nanoTime();
    boolean[] added = {false};
    boolean ready = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
      if (mapReady(node, alias)) {
        return true;
      }
      if (!added[0] && System.nanoTime() - t0 > Duration.ofSeconds(2).toNanos()) {
        added[0] = true;
        String ll = bed.exec(node, CMD, "multipath", "-ll", alias).stdout();
        for (String disk : disks) {
          if (!ll.contains(" " + disk + " ")) {
            bed.exec(node, CMD, "multipathd", "add", "path", disk);
          }
        }
      }
      return false;
    });
    if (!ready) {
      throw new IllegalStateException(node + ": map " + alias + " without two active paths within 60 s:\n"
          + bed.exec(node, CMD, "bash", "-c", "iscsiadm -m session; multipath -ll; multipathd show paths;"
              + " head -50 /etc/multipath.conf /etc/multipath/conf.d/*; cat /etc/multipath/wwids 2>&1").stdout()
          + bed.diagnostics(node));
    }
    return new Attached(loggedIn, disksThere, secondsSince(start));
  }

  /** Seconds from the start of {@link #attach}: logged in through both portals, both disks there, map whole. */
  public record Attached(double loggedInSeconds, double disksSeconds, double mapSeconds) {}

  boolean mapReady(String node, String alias) {
    return bed.exec(node, CMD, "bash", "-c", "[[ -e /dev/mapper/$1 ]] && (( $(multipath -ll \"$1\""
        + " | grep -c 'active ready running') == 2 ))", "map-ready", alias).exitCode() == 0;
  }

  /** Undoes {@link #attach}: flushes the map, drops its entry, logs out and deletes the node records. */
  public void detach(String node, VolumeSpec vol) {
    String alias = vol.getMultipath().getAlias();
    String iqn = vol.getTarget().getIqn();
    boolean flushed = Poll.waitFor(Duration.ofSeconds(10), Duration.ofMillis(200),
        () -> bed.exec(node, CMD, "multipath", "-f", alias).exitCode() == 0);
    if (!flushed) {
      throw new IllegalStateException(node + ": multipath -f " + alias + " failed for 10 s");
    }
    bed.run(node, CMD, "rm", "-f", "/etc/multipath/conf.d/user-stack-" + alias + ".conf");
    bed.run(node, CMD, "multipathd", "reconfigure");
    bed.run(node, CMD, "iscsiadm", "-m", "node", "-T", iqn, "--logout");
    if (bed.exec(node, CMD, "iscsiadm", "-m", "node", "-T", iqn, "-o", "delete").exitCode() != 0) {
      for (String portal : vol.getTarget().getPortalsList()) {
        bed.exec(node, CMD, "iscsiadm", "-m", "node", "-T", iqn, "-p", portal, "-o", "delete");
      }
    }
    String left = bed.exec(node, CMD, "iscsiadm", "-m", "node").stdout();
    if (left.contains(iqn)) {
      throw new IllegalStateException(node + ": node records of " + iqn + " left after delete:\n" + left);
    }
  }

  /** corosync's node id of {@code node}: its o2cb member number + 1. */
  public int nodeId(String node) {
    return cluster.getMembersList().stream().filter(m -> m.getNodeName().equals(node)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no member " + node)).getNumber() + 1;
  }

  /**
   * Stops dlm_controld, then corosync, on every node. Only with no volume of this stack mounted anywhere on the
   * node: dlm_controld ignores SIGTERM while it has a lockspace, but {@code corosync-cfgtool -H} stops corosync even
   * then, dlm_controld exits with it and a later umount hangs for good (measured). Returns the seconds it took.
   */
  public double stop() {
    long t0 = System.nanoTime();
    for (String n : nodes()) {
      String mounts = bed.run(n, CMD, "cat", "/proc/mounts");
      if (mounts.contains("cluster_stack=pcmk")) {
        throw new IllegalStateException(n + ": a volume of the user stack is still mounted; not stopping:\n" + mounts);
      }
      bed.run(n, CMD, "bash", "-c", "p=$(cat /run/dlm_controld/dlm_controld.pid) && kill -TERM \"$p\" && for ((i = 0;"
          + " i < 100; i++)); do kill -0 \"$p\" 2>/dev/null || exit 0; sleep 0.1; done; echo \"dlm_controld $p"
          + " still running\"; exit 1");
      bed.run(n, CMD, "corosync-cfgtool", "-H");
    }
    for (String n : nodes()) {
      boolean gone = Poll.waitFor(Duration.ofSeconds(20), Duration.ofMillis(250),
          () -> bed.exec(n, CMD, "pgrep", "-x", "corosync").exitCode() == 1);
      if (!gone) {
        throw new IllegalStateException(n + ": corosync still running 20 s after corosync-cfgtool -H");
      }
    }
    return secondsSince(t0);
  }

  List<String> nodes() {
    return cluster.getMembersList().stream().map(ClusterMember::getNodeName).toList();
  }

  /** Writes {@code content} to {@code path} in the guest (content and path are arguments, not shell text). */
  void writeFile(String node, String path, String content) {
    bed.run(node, CMD, "bash", "-c", "printf '%s' \"$1\" >\"$2\"", "write", content, path);
  }

  static double secondsSince(long nanos) {
    return Report.round((System.nanoTime() - nanos) / 1e9);
  }
}
