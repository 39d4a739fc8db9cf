package io.ocfs2iscsi.node.testing;

import static io.ocfs2iscsi.node.Fixtures.captured;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.tools.ClusterConf;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.volume.KubeletPaths;
import io.ocfs2iscsi.node.volume.TargetLocks;
import io.ocfs2iscsi.node.volume.Timing;
import io.ocfs2iscsi.node.volume.VolumeExpander;
import io.ocfs2iscsi.node.volume.VolumeSlots;
import io.ocfs2iscsi.node.volume.VolumeFormatter;
import io.ocfs2iscsi.node.volume.VolumeInspector;
import io.ocfs2iscsi.node.volume.VolumeLocks;
import io.ocfs2iscsi.node.volume.VolumePublisher;
import io.ocfs2iscsi.node.volume.VolumeStager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * drbd01 of the reference setup, faked: a temporary directory as its filesystem (sysfs, configfs, /etc, /dev,
 * /proc/self/mounts) and a FakeCommandRunner whose answers are the reference's captured outputs. Commands change
 * the fake host as the real ones would (a login makes a session and its SCSI disk appear, a mount adds a line to
 * the mount table), so that the plugin's checks see the effect of its own commands.
 */
public final class ReferenceHost {

  public static final String IQN = "iqn.2016-02.local.virtual:virtual.vg1";
  public static final String PORTAL_A = "192.168.0.180:3260";
  public static final String PORTAL_B = "10.20.1.180:3260";
  public static final String WWID = "23238363932313833";
  public static final String UUID = "6b1a4f0e-2c5d-4e0f-9a8b-7c6d5e4f3a2b";
  public static final String REGION = "6B1A4F0E2C5D4E0F9A8B7C6D5E4F3A2B";
  public static final String DEVICE = "/dev/mapper/mylun";
  public static final String STAGING =
      "/var/lib/kubelet/plugins/kubernetes.io/csi/csi.ocfs2iscsi.io/0c1f/globalmount";
  public static final String TARGET_1 = "/var/lib/kubelet/pods/p1/volumes/kubernetes.io~csi/mylun/mount";
  public static final String TARGET_2 = "/var/lib/kubelet/pods/p2/volumes/kubernetes.io~csi/mylun/mount";
  public static final String HOSTNAME = "drbd01";

  public static final Timing FAST = new Timing(Duration.ofMillis(1), 6, 4, 8, 3, Duration.ofMillis(300));

  public final Path root;
  public final FakeCommandRunner fake = new FakeCommandRunner();
  public final HostFiles files;
  public final HostTools tools;
  public final StateStore state;
  public final SecretRedactor redactor = new SecretRedactor();
  public final VolumeLocks locks = new VolumeLocks();
  public final TargetLocks targets = new TargetLocks();
  public final ClusterStack cluster;
  public final VolumeStager stager;
  public final VolumePublisher publisher;
  public final VolumeFormatter formatter;
  public final VolumeInspector inspector;
  public final VolumeExpander expander;
  public final VolumeSlots slots;

  /** open-iscsi iface records (name to the network interface it is bound to, "" when unbound). */
  public final Map<String, String> ifaces = new LinkedHashMap<>();
  /** The iface each logged-in portal's session runs through (absent: "default"). */
  public final Map<String, String> ifaceOfSession = new LinkedHashMap<>();

  /** Portals whose network path is down: discovery and login through them fail as iscsiadm does. */
  public final Set<String> downPortals = new LinkedHashSet<>();
  /** Other targets of the array, which discovery through either reference portal lists too. */
  public final List<String> alsoAdvertised = new ArrayList<>();
  /**
   * Portals whose link is cut so that packets vanish: discovery and login through them get no answer at all and
   * wait until their timeout (here: until the plugin gives up on them, which interrupts the command).
   */
  public final Set<String> silentPortals = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Commands through a silent portal that were interrupted (the real runner kills the process then). */
  public final List<String> interruptedCommands = new java.util.concurrent.CopyOnWriteArrayList<>();
  /**
   * SendTargets through one portal lists every portal of the target (SCST, the reference); false: only the portal
   * asked (tgtd, the real-kernel harness), so a portal's node record exists only after discovery through it.
   */
  public boolean discoveryListsEveryPortal = true;
  /** SCSI disks of new sessions that multipathd has not added to the map (until add path or reconfigure). */
  public final Set<String> pathsMultipathdMissed = new LinkedHashSet<>();
  /** Portals with a session. */
  public final Set<String> loggedIn = new LinkedHashSet<>();
  /**
   * Portals whose session iscsid gave up (a re-login answered "target not found"): still listed, in the kernel's
   * state FREE, without its disk, until it is logged out. See {@link #giveUpSession}.
   */
  public final Set<String> givenUpPortals = new LinkedHashSet<>();
  /** What blkid finds on the map: null (blank), "ocfs2", "ext4". */
  public String filesystem = "ocfs2";
  /** The WWID each path's scsi_id prints (a second LUN behind portal B makes a mismatch). */
  public final Map<String, String> wwidOfDevice = new LinkedHashMap<>(Map.of("sdc", WWID, "sdd", WWID));
  /** How many times scsi_id prints nothing before udev is done with a disk. */
  public int udevBusyReads = 0;
  /** multipath -ll shows the reference's "one path failed" capture. */
  public boolean secondPathFailed = false;
  public boolean mapBuilt = false;
  /** The filesystem got read-only after errors (what ocfs2 does with errors=remount-ro). */
  public boolean remountedReadOnly = false;
  /** The map's device number, as dmsetup and /proc/PID/mountinfo show it. */
  public static final String MAP_DEVICE_NUMBER = "253:0";
  /** Processes whose private mount namespace still mounts the filesystem (a pod's container): pid to comm. */
  public final Map<Integer, String> privateNamespaceHolders = new LinkedHashMap<>();
  /** Opens of /dev/mapper/mylun by processes (a backup reading the map), counted by dmsetup. */
  public int processOpens = 0;
  /** The kernel fails to stop the heartbeat at the last unmount (its ocfs2_hb_ctl call failed): a stale region. */
  public boolean kernelLeavesRegion = false;
  /**
   * While set, umount does not return until it is counted down: a umount of a filesystem whose SAN is gone sits in
   * uninterruptible sleep (measured: NodeUnstageVolume did not answer for 210 s), and no kill ends it.
   */
  public volatile java.util.concurrent.CountDownLatch umountHangsUntil;
  /** How many umount commands started. */
  public final java.util.concurrent.atomic.AtomicInteger umountsStarted = new java.util.concurrent.atomic.AtomicInteger();

  private final Map<String, Integer> sidOfPortal = Map.of(PORTAL_A, 1, PORTAL_B, 2);
  /** The SCSI disk of LUN 0 behind each portal's session, as the kernel named it at the last login. */
  private final Map<String, String> diskOfPortal = new LinkedHashMap<>(Map.of(PORTAL_A, "sdc", PORTAL_B, "sdd"));
  private final Map<String, String> hctlOfPortal = Map.of(PORTAL_A, "3:0:0:0", PORTAL_B, "4:0:0:0");
  private final Map<String, Integer> busyReadsLeft = new LinkedHashMap<>();

  public ReferenceHost(Path root) {
    this(root, HostMode.DIRECT);
  }

  /** The host as a plugin in {@code mode} reaches it ({@code NSENTER}: from its container in a pod). */
  public ReferenceHost(Path root, HostMode mode) {
    this.root = root;
    this.files = new HostFiles(root);
    this.tools = HostTools.create(fake, files, mode, d -> {}, redactor);
    this.state = new StateStore(root.resolve("var/lib/ocfs2iscsi"));
    this.cluster = new ClusterStack(tools, state);
    KubeletPaths kubelet = new KubeletPaths(KubeletPaths.DEFAULT_DIR, files);
    this.stager = new VolumeStager(tools, state, locks, redactor, FAST, cluster, targets, kubelet);
    this.publisher = new VolumePublisher(tools, state, locks, kubelet);
    this.formatter = new VolumeFormatter(tools, state, locks, redactor, FAST, cluster, targets);
    this.inspector = new VolumeInspector(tools, state);
    this.expander = new VolumeExpander(tools, state, locks);
    this.slots = new VolumeSlots(tools, state, locks, redactor, FAST, cluster, targets);
    if (!files.exists("/proc/sys/kernel/random/boot_id")) {
      write("/proc/sys/kernel/random/boot_id", "5d2b1c9e-0b5e-4c59-9f3c-2f1d7c0a1e01\n");
    }
    if (!files.exists("/proc/self/mounts")) {
      write("/proc/self/mounts", "/dev/ubda / ext4 rw,relatime 0 0\n");
      localDisk("sda");
    }
    script();
  }

  /** The reference volume: LUN 0 of the reference target on both portals, settings of the reference setup. */
  public static VolumeSpec spec() {
    return VolumeSpec.newBuilder()
        .setVolumeId("mylun")
        .setTarget(
            IscsiTarget.newBuilder()
                .setIqn(IQN)
                .setLun(0)
                .addPortals(PORTAL_A)
                .addPortals(PORTAL_B)
                .setReplacementTimeoutSeconds(10)
                .setStartup("automatic"))
        .setMultipath(
            MultipathSettings.newBuilder()
                .setAlias("mylun")
                .setPathGroupingPolicy("multibus")
                .setPathSelector("round-robin 0")
                .setPathChecker("readsector0")
                .setPollingIntervalSeconds(3)
                .setFailback("immediate")
                .setNoPathRetry("1"))
        .setFilesystem(
            FilesystemSettings.newBuilder()
                .setClusterName("iscsi")
                .setLabel("ISCSI")
                .setBlockSize("4K")
                .setClusterSize("32K")
                .setNodeSlots(4)
                .addMountOptions("noatime")
                .addMountOptions("acl")
                .addMountOptions("user_xattr"))
        .build();
  }

  /** The reference o2cb cluster: drbd01 and drbd02, o2cb's default timeouts. */
  public static ApplyClusterRequest clusterRequest() {
    return ApplyClusterRequest.newBuilder()
        .setClusterName("iscsi")
        .setPort(7777)
        .setTimeouts(
            O2cbTimeouts.newBuilder()
                .setHeartbeatDeadThreshold(31)
                .setIdleTimeoutMs(30000)
                .setKeepaliveDelayMs(2000)
                .setReconnectDelayMs(2000))
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd01").setNumber(0).setAddress("10.10.1.17"))
        .addMembers(ClusterMember.newBuilder().setNodeName("drbd02").setNumber(1).setAddress("10.10.1.19"))
        .setRevision("1/1")
        .build();
  }

  /** ApplyCluster done and the calls it made forgotten: the state NodeStage expects. */
  public ReferenceHost withClusterApplied() {
    cluster.apply(clusterRequest());
    fake.clearCalls();
    return this;
  }

  // ---------------------------------------------------------------------------------------------------------

  private void script() {
    fake.on("iscsiadm", "-m", "session", "-P", "1").answer(a -> sessionsReply());
    fake.onPrefix("iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p").answer(this::discovery);
    fake.onPrefix("iscsiadm", "-m", "discoverydb", "-t", "sendtargets", "-p").answer(this::discoveryDb);
    fake.onPrefix("iscsiadm", "-m", "node", "-T").answer(this::otherTargetNode);
    fake.onPrefix("iscsiadm", "-m", "node", "-T", IQN).answer(this::node);
    fake.onPrefix("iscsiadm", "-m", "session", "-r").answer(this::sessionBySid);
    fake.onPrefix("iscsiadm", "-m", "iface", "-I").answer(this::iface);
    fake.onPrefix("/lib/udev/scsi_id", "--whitelisted", "--replace-whitespace").answer(this::scsiId);
    fake.on("multipath", "-ll", "mylun").answer(a -> multipathLl());
    // multipathd prints the same topology as multipath -ll, and nothing (exit 0) when it has no map.
    fake.on("multipathd", "show", "topology").answer(a -> mapBuilt ? multipathLl() : Reply.ok(""));
    fake.onPrefix("multipath", "-a")
        .answer(a -> {
          write("/etc/multipath/wwids", "# Multipath wwids, Version : 1.0\n/" + WWID + "/\n");
          return Reply.ok("wwid '" + WWID + "' added\n");
        });
    fake.on("multipathd", "reconfigure")
        .answer(a -> {
          if (!loggedIn.isEmpty()) {
            mapBuilt = true;
            write("/dev/mapper/mylun", "");
          }
          // multipathd writes fast_io_fail_tmo (5 unless configured) into the sessions of the paths it takes.
          String recovery = dropInValue("fast_io_fail_tmo").orElse("5");
          for (String portal : loggedIn) {
            write("/sys/class/iscsi_session/session" + sidOfPortal.get(portal) + "/recovery_tmo", recovery + "\n");
          }
          pathsMultipathdMissed.clear();
          return Reply.ok("ok\n");
        });
    fake.onPrefix("multipathd", "add", "path")
        .answer(a -> {
          pathsMultipathdMissed.remove(a.get(3));
          return Reply.ok("ok\n");
        });
    fake.on("multipathd", "disablequeueing", "map", "mylun").reply(Reply.ok("ok\n"));
    // The queueing column as multipathd 0.9.4 prints it for the drop-in's no_path_retry while paths are present.
    fake.on("multipathd", "show", "maps", "format", "%n|%Q").answer(a -> !mapBuilt ? Reply.ok("")
        : Reply.ok("name |queueing\nmylun|" + dropInValue("no_path_retry")
            .map(v -> v.equals("queue") ? "on" : v.equals("fail") ? "off" : v + " chk").orElse("-") + "\n"));
    fake.on("dmsetup", "info", "mylun").answer(a -> dmsetupInfo());
    fake.on("multipath", "-f", "mylun")
        .answer(a -> {
          mapBuilt = false;
          delete("/dev/mapper/mylun");
          return Reply.ok();
        });
    fake.on("uname", "-n").reply(Reply.ok(HOSTNAME + "\n"));
    fake.onPrefix("modprobe").reply(Reply.ok());
    fake.onPrefix("o2cb", "register-cluster").answer(this::registerCluster);
    fake.on("blkid", "-p", "-o", "export", DEVICE).answer(a -> blkid());
    fake.on("mounted.ocfs2", "-d", DEVICE).answer(a -> mountedDetect());
    fake.on("tunefs.ocfs2", "-Q", "%N\\n", DEVICE).answer(a -> "ocfs2".equals(filesystem)
        ? Reply.ok(captured("e2e-growth/tunefs-ocfs2-Q-slots.txt"))
        : Reply.fail(1, "tunefs.ocfs2: Bad magic number in superblock while opening device \"" + DEVICE + "\"\n"));
    fake.on("wipefs", "--no-act", "--noheadings", "--output", "OFFSET,TYPE", DEVICE).answer(a -> wipefs());
    fake.onPrefix("mkfs.ocfs2")
        .answer(a -> {
          filesystem = "ocfs2";
          return Reply.ok(captured("reference/mkfs-ocfs2.txt"));
        });
    fake.onPrefix("mount").answer(this::mount);
    fake.onPrefix("umount").answer(this::umount);
    fake.onPrefix("stat", "-f").reply(Reply.ok("4096 5241856 4000000 4000000 1310720 1310000\n"));
    fake.onPrefix("ocfs2_hb_ctl", "-K")
        .answer(a -> {
          delete("/sys/kernel/config/cluster/iscsi/heartbeat/" + REGION);
          return Reply.ok();
        });
    // Version answers of Debian bookworm's packages.
    fake.on("iscsiadm", "--version").reply(Reply.ok("iscsiadm version 2.1.8\n"));
    fake.on("multipath", "-h").reply(new Reply(1, "", "multipath-tools v0.9.4 (12/19, 2022)\nUsage:\n"));
    fake.on("multipathd", "-h").reply(new Reply(1, "", "multipathd v0.9.4 (12/19, 2022)\nUsage:\n"));
    fake.on("dmsetup", "--version").reply(Reply.ok(captured("host/dmsetup-version.txt")));
    fake.on("/lib/udev/scsi_id", "--version").reply(Reply.ok("252\n"));
    fake.on("mkfs.ocfs2", "--version").reply(Reply.ok("mkfs.ocfs2 1.8.7\n"));
    fake.on("mounted.ocfs2", "--version").reply(Reply.ok("mounted.ocfs2 1.8.7\n"));
    fake.on("o2cb", "--version").reply(Reply.ok("o2cb 1.8.7\n"));
    fake.on("blkid", "-V").reply(Reply.ok("blkid from util-linux 2.38.1  (libblkid 2.38.1, 04-Aug-2022)\n"));
    fake.on("mount", "-V").reply(Reply.ok("mount from util-linux 2.38.1 (libmount 2.38.1: selinux, btrfs)\n"));
    fake.on("modprobe", "--version").reply(Reply.ok("kmod version 30\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL\n"));
    fake.on("corosync", "-v").reply(Reply.ok(captured("e2e/user-stack/corosync-v.txt")));
    fake.on("dlm_controld", "-V").reply(Reply.ok(captured("e2e/user-stack/dlm-controld-V.txt")));
    fake.on("sg_persist", "-V").reply(new Reply(0, "", captured("e2e/user-stack/sg-persist-V.stderr.txt")));
    write("/proc/1/comm", "init\n");
    write("/proc/311/comm", "iscsid\n");
    write("/proc/312/comm", "multipathd\n");
    write("/etc/iscsi/initiatorname.iscsi",
        "## DO NOT EDIT OR REMOVE THIS FILE!\nInitiatorName=iqn.1993-08.org.debian:01:8d74927a5fe7\n");
  }

  /** The host's inventory as GetNodeInfo and Probe see it (addresses of drbd01, a fixed clock). */
  public io.ocfs2iscsi.node.info.HostInventory inventory() {
    return inventory(java.time.Clock.fixed(java.time.Instant.EPOCH, java.time.ZoneOffset.UTC));
  }

  /** {@link #inventory()} on the test's clock. */
  public io.ocfs2iscsi.node.info.HostInventory inventory(java.time.Clock clock) {
    return new io.ocfs2iscsi.node.info.HostInventory(
        tools, cluster,
        () -> List.of(ipv4("192.168.0.176"), ipv4("10.20.1.16"), ipv4("10.10.1.17")),
        "drbd01", "0.1.0-test", "", clock);
  }

  private static java.net.Inet4Address ipv4(String a) {
    try {
      return (java.net.Inet4Address) java.net.InetAddress.getByName(a);
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private Reply sessionsReply() {
    if (loggedIn.isEmpty()) {
      return new Reply(21, "", "iscsiadm: No active sessions.\n");
    }
    // The reference capture, cut into its per-session blocks and replayed for the portals logged in.
    String capture = captured("reference/iscsiadm-session-P1.txt");
    String[] lines = capture.split("\n");
    StringBuilder out = new StringBuilder(lines[0]).append('\n');
    List<String> block = new ArrayList<>();
    List<List<String>> blocks = new ArrayList<>();
    for (int i = 1; i < lines.length; i++) {
      if (lines[i].contains("Current Portal:") && !block.isEmpty()) {
        blocks.add(block);
        block = new ArrayList<>();
      }
      block.add(lines[i]);
    }
    blocks.add(block);
    for (List<String> b : blocks) {
      String portal = b.get(0).replaceAll(".*Current Portal: (\\S+),\\d+.*", "$1");
      if (loggedIn.contains(portal)) {
        String iface = ifaceOfSession.get(portal);
        for (String l : b) {
          String state = l.replaceAll(
              "^\\s*(iSCSI Connection State|iSCSI Session State|Internal iscsid Session State):.*", "$1");
          if (givenUpPortals.contains(portal) && !state.equals(l)) {
            l = l.replaceAll(":\\s.*", ": " + freeSessionStates().get(state));
          } else if (iface != null && l.contains("Iface Name:")) {
            l = l.replaceAll(":\\s.*", ": " + iface);
          } else if (iface != null && l.contains("Iface Netdev:")) {
            l = l.replaceAll(":\\s.*", ": " + ifaces.getOrDefault(iface, "<empty>"));
          }
          out.append(l).append('\n');
        }
      }
    }
    return Reply.ok(out.toString());
  }

  /**
   * The state lines of the FREE session captured in the real-kernel guests (portal B's session, sid 2, after its
   * recovery timeout): the kernel's session state FREE, iscsid's connection and internal states beside it.
   */
  private static Map<String, String> freeSessionStates() {
    Map<String, String> states = new LinkedHashMap<>();
    for (String l : captured("e2e/iscsiadm-session-P1-path-failed.txt").split("\n")) {
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("^\\s*(iSCSI Connection State|iSCSI Session State|Internal iscsid Session State):\\s*(.*)$")
          .matcher(l);
      if (m.matches()) {
        states.put(m.group(1), m.group(2));
      }
    }
    if (!"FREE".equals(states.get("iSCSI Session State"))) {
      throw new AssertionError("the captured session list no longer ends with a FREE session: " + states);
    }
    return states;
  }

  /**
   * iscsid gives up the session of a portal, as it does when a re-login after a target restart is answered "target
   * not found": the session stays listed, FREE, and its disk is gone (removed from the map too).
   */
  public void giveUpSession(String portal) {
    if (!loggedIn.contains(portal)) {
      throw new AssertionError("no session through " + portal + " to give up");
    }
    givenUpPortals.add(portal);
    removeSessionDisk(portal);
  }

  /** The sid of a portal's session in this host's session list. */
  public int sidOf(String portal) {
    return sidOfPortal.get(portal);
  }

  /** {@code iscsiadm -m session -r SID} with --rescan or -u (--logout): a rescan or the logout of that one session. */
  private Reply sessionBySid(List<String> argv) {
    int sid = Integer.parseInt(argv.get(4));
    String portal = sidOfPortal.entrySet().stream().filter(e -> e.getValue() == sid).map(Map.Entry::getKey)
        .filter(loggedIn::contains).findFirst().orElse(null);
    if (portal == null) {
      return new Reply(21, "", "iscsiadm: Could not get session info for sid " + sid + "\n");
    }
    if (!argv.contains("-u") && !argv.contains("--logout")) {
      return Reply.ok();
    }
    loggedIn.remove(portal);
    givenUpPortals.remove(portal);
    ifaceOfSession.remove(portal);
    removeSessionDisk(portal);
    return Reply.ok("Logging out of session [sid: " + sid + ", target: " + IQN + ", portal: "
        + portal.replace(':', ',') + "]\nLogout of [sid: " + sid + "] successful.\n");
  }

  /**
   * SendTargets discovery as open-iscsi's iscsiadm does it ({@code -p PORTAL [-o new | -o nonpersistent]}): the
   * portal answers with every target of the array (the reference target, then {@link #alsoAdvertised}) on both
   * reference portals, or only on the portal asked when {@link #discoveryListsEveryPortal} is off (tgtd); a node
   * record is written for each unless the call is nonpersistent, and, unless the call limits the operations to
   * "-o new", an existing record is overwritten with iscsid.conf's defaults (iscsiadm's default operations are new,
   * delete and update).
   */
  private Reply discovery(List<String> argv) {
    String portal = argv.get(argv.indexOf("-p") + 1);
    String op = argv.contains("-o") ? argv.get(argv.indexOf("-o") + 1) : "";
    if (silentPortals.contains(portal)) {
      return noAnswer("discovery through " + portal, 45,
          new Reply(-1, "", "iscsiadm: connect to " + portal.split(":")[0] + " timed out\n"));
    }
    if (downPortals.contains(portal)) {
      return new Reply(4, "", "iscsiadm: cannot make connection to " + portal.split(":")[0]
          + ": No route to host\niscsiadm: connection login retries (reopen_max) 5 exceeded\n"
          + "iscsiadm: Could not perform SendTargets discovery: iSCSI PDU timed out\n");
    }
    boolean writeRecords = !op.equals("nonpersistent");
    boolean onlyNew = op.equals("new");
    List<String> listed = discoveryListsEveryPortal ? List.of(PORTAL_A, PORTAL_B) : List.of(portal);
    // tgtd's answer (listing only the portal asked) as captured in the real-kernel guests.
    StringBuilder out = new StringBuilder(discoveryListsEveryPortal ? captured("reference/iscsiadm-discovery.txt")
        : captured(portal.equals(PORTAL_A) ? "e2e/iscsiadm-discovery-portal-a.txt"
            : "e2e/iscsiadm-discovery-portal-b.txt"));
    List<String> targets = new ArrayList<>(List.of(IQN));
    targets.addAll(alsoAdvertised);
    for (String target : targets) {
      for (String p : listed) {
        if (!target.equals(IQN)) {
          out.append(p).append(",1 ").append(target).append('\n');
        }
        String record = nodeRecord(target, p, ifaceArgument(argv));
        if (writeRecords && (!onlyNew || !files.exists(record))) {
          write(record, "# BEGIN RECORD 2.1.8\nnode.name = " + target + "\nnode.tpgt = 1\nnode.startup = manual\n"
              + "node.session.auth.authmethod = None\nnode.discovery_address = " + portal.split(":")[0]
              + "\n# END RECORD\n");
        }
      }
    }
    return Reply.ok(out.toString());
  }

  /**
   * A command through a silent portal: it waits for an answer that never comes, until its own timeout (given in
   * seconds) or until it is interrupted, which the real runner answers by killing the process.
   */
  private Reply noAnswer(String what, int timeoutSeconds, Reply atTimeout) {
    try {
      Thread.sleep(timeoutSeconds * 1000L);
      return atTimeout;
    } catch (InterruptedException e) {
      interruptedCommands.add(what);
      Thread.currentThread().interrupt();
      return new Reply(-1, "", "timed out");
    }
  }

  /** The node record file of a target's portal (tpgt 1, iface default), in Debian's layout. */
  public static String nodeRecord(String target, String portal) {
    return "/etc/iscsi/nodes/" + target + "/" + portal.replace(":", ",") + ",1/default";
  }

  /** The node record file of a target's portal bound to an iface (tpgt 1), in Debian's layout. */
  public static String nodeRecord(String target, String portal, String iface) {
    return "/etc/iscsi/nodes/" + target + "/" + portal.replace(":", ",") + ",1/" + iface;
  }

  /** The iface an iscsiadm call names with -I; "default" without. */
  static String ifaceArgument(List<String> argv) {
    int i = argv.indexOf("-I");
    return i < 0 ? "default" : argv.get(i + 1);
  }

  /** iscsiadm -m iface -I NAME -o new|update|delete, kept in {@link #ifaces} and /etc/iscsi/ifaces. */
  private Reply iface(List<String> argv) {
    String name = argv.get(4);
    String op = argv.get(6);
    switch (op) {
      case "new" -> {
        if (ifaces.containsKey(name)) {
          return new Reply(15, "", "iscsiadm: Could not create iface " + name + ". It already exists.\n");
        }
        ifaces.put(name, "");
        write("/etc/iscsi/ifaces/" + name, "# BEGIN RECORD 2.1.8\niface.iscsi_ifacename = " + name
            + "\niface.transport_name = tcp\n# END RECORD\n");
        return Reply.ok("New interface " + name + " added\n");
      }
      case "update" -> {
        if (!ifaces.containsKey(name)) {
          return new Reply(21, "", "iscsiadm: Could not read iface " + name + " (21)\n");
        }
        ifaces.put(name, argv.get(10));
        return Reply.ok(name + " updated.\n");
      }
      case "delete" -> {
        if (ifaces.remove(name) == null) {
          return new Reply(21, "", "iscsiadm: Could not delete iface " + name + "\n");
        }
        delete("/etc/iscsi/ifaces/" + name);
        return Reply.ok(name + " unbound and deleted.\n");
      }
      default -> throw new AssertionError("unexpected iscsiadm iface op " + argv);
    }
  }

  /** Network interfaces of the host, as /sys/class/net shows them. */
  public ReferenceHost withInterfaces(String... names) {
    for (String n : names) {
      write("/sys/class/net/" + n + "/ifindex", "3\n");
    }
    return this;
  }

  /** The discovery record file of a portal, in Debian's layout. */
  public static String discoveryRecord(String portal) {
    return "/etc/iscsi/send_targets/" + portal.replace(':', ',') + "/st_config";
  }

  /** A discovery record is created ("-o new" alone), then used ("--discover") exactly as plain discovery. */
  private Reply discoveryDb(List<String> argv) {
    String portal = argv.get(argv.indexOf("-p") + 1);
    if (!argv.contains("--discover")) {
      if (!files.exists(discoveryRecord(portal))) {
        write(discoveryRecord(portal),
            "# BEGIN RECORD 2.1.8\ndiscovery.startup = manual\ndiscovery.type = sendtargets\n# END RECORD\n");
      }
      return Reply.ok();
    }
    return discovery(argv);
  }

  /** Node records of other targets: only deleted, as the plugin does with records it did not ask for. */
  private Reply otherTargetNode(List<String> argv) {
    String target = argv.get(4);
    String portal = argv.get(6);
    if (!argv.subList(7, argv.size()).equals(List.of("-o", "delete"))) {
      throw new AssertionError("unexpected iscsiadm node op on another target " + argv);
    }
    if (!files.exists(nodeRecord(target, portal))) {
      return new Reply(21, "", "iscsiadm: No records found\n");
    }
    delete(nodeRecord(target, portal));
    return Reply.ok();
  }

  private Reply node(List<String> argv) {
    String portal = argv.get(6);
    String op = argv.get(7);
    switch (op) {
      case "--login" -> {
        if (silentPortals.contains(portal)) {
          return noAnswer("login through " + portal, 90, new Reply(8, "", "iscsiadm: initiator reported error (8 -"
              + " connection timed out)\n"));
        }
        if (downPortals.contains(portal)) {
          return new Reply(8, "", "Logging in to [iface: default, target: " + IQN + ", portal: "
              + portal.replace(':', ',') + "]\niscsiadm: Could not login to [iface: default, target: " + IQN
              + ", portal: " + portal.replace(':', ',') + "].\niscsiadm: initiator reported error (8 - connection"
              + " timed out)\niscsiadm: Could not log into all portals\n");
        }
        if (loggedIn.contains(portal)) {
          return new Reply(15, "", "iscsiadm: default: 1 session requested, but 1 already present.\n");
        }
        loggedIn.add(portal);
        if (argv.contains("-I")) {
          ifaceOfSession.put(portal, ifaceArgument(argv));
        }
        sessionDisk(portal);
        return Reply.ok(captured("reference/iscsiadm-login.txt").replace("192.168.0.180,3260",
            portal.replace(':', ',')));
      }
      case "--logout" -> {
        if (argv.contains("-I") && !ifaceArgument(argv).equals(ifaceOfSession.getOrDefault(portal, "default"))) {
          return new Reply(21, "", "iscsiadm: No matching sessions found\n");
        }
        if (!loggedIn.remove(portal)) {
          return new Reply(21, "", "iscsiadm: No matching sessions found\n");
        }
        givenUpPortals.remove(portal);
        ifaceOfSession.remove(portal);
        removeSessionDisk(portal);
        return Reply.ok("Logging out of session [sid: " + sidOfPortal.get(portal) + ", target: " + IQN
            + ", portal: " + portal.replace(':', ',') + "]\nLogout of [sid: " + sidOfPortal.get(portal)
            + "] successful.\n");
      }
      case "-o" -> {
        if (argv.get(8).equals("delete")) {
          // Without -I: the records of every iface; with it, only that iface's.
          for (String tag : List.of(",1", ",-1")) {
            String dir = "/etc/iscsi/nodes/" + IQN + "/" + portal.replace(":", ",") + tag;
            for (String iface : files.list(dir)) {
              if (!argv.contains("-I") || iface.equals(ifaceArgument(argv))) {
                delete(dir + "/" + iface);
              }
            }
          }
        }
        if (argv.get(8).equals("new")) {
          // A record made without discovery: the portal group tag is unknown (-1) until the first login.
          write("/etc/iscsi/nodes/" + IQN + "/" + portal.replace(":", ",") + ",-1/" + ifaceArgument(argv),
              "# BEGIN RECORD 2.1.8\nnode.name = " + IQN + "\nnode.tpgt = -1\nnode.startup = manual\n"
                  + "node.session.auth.authmethod = None\n# END RECORD\n");
          return Reply.ok("New iSCSI node [tcp:[hw=,ip=,net_if=,iscsi_if=default] " + portal.replace(':', ',')
              + ",-1 " + IQN + "] added\n");
        }
        return Reply.ok();
      }
      default -> throw new AssertionError("unexpected iscsiadm node op " + argv);
    }
  }

  private Reply scsiId(List<String> argv) {
    String dev = argv.get(argv.size() - 1).replace("--device=/dev/", "");
    if (dev.equals("sda")) {
      return Reply.ok("0QEMU_QEMU_HARDDISK_drive-scsi0\n");
    }
    int left = busyReadsLeft.getOrDefault(dev, udevBusyReads);
    if (left > 0) {
      busyReadsLeft.put(dev, left - 1);
      return new Reply(1, "", "");
    }
    String w = wwidOfDevice.get(dev);
    return w == null ? new Reply(1, "", "") : Reply.ok(w + "\n");
  }

  private Reply multipathLl() {
    if (!mapBuilt) {
      return new Reply(1, "", "");
    }
    if (secondPathFailed) {
      return Reply.ok(captured("reference/multipath-ll-one-path-failed.txt"));
    }
    StringBuilder out = new StringBuilder();
    for (String line : captured("reference/multipath-ll-healthy.txt").split("\n")) {
      boolean pathLine = line.contains(" sdc ") || line.contains(" sdd ");
      boolean present =
          (line.contains(" sdc ") && hasDisk(PORTAL_A) && !pathsMultipathdMissed.contains("sdc"))
              || (line.contains(" sdd ") && hasDisk(PORTAL_B) && !pathsMultipathdMissed.contains("sdd"));
      if (!pathLine) {
        out.append(line).append('\n');
      } else if (present) {
        String portal = line.contains(" sdc ") ? PORTAL_A : PORTAL_B;
        out.append(line.replaceAll(" sd[cd] ", " " + diskOfPortal.get(portal) + " ")).append('\n');
      }
    }
    return Reply.ok(out.toString());
  }

  private boolean hasDisk(String portal) {
    return loggedIn.contains(portal) && !givenUpPortals.contains(portal);
  }

  private Reply registerCluster(List<String> argv) {
    String name = argv.get(2);
    ClusterConf conf = ClusterConf.parse(read("/etc/ocfs2/cluster.conf"), name);
    String base = "/sys/kernel/config/cluster/" + name;
    mkdirs(base + "/node");
    mkdirs(base + "/heartbeat");
    for (ClusterConf.Node n : conf.nodes()) {
      String d = base + "/node/" + n.name() + "/";
      write(d + "num", n.number() + "\n");
      write(d + "ipv4_address", n.address() + "\n");
      write(d + "ipv4_port", n.port() + "\n");
      write(d + "local", (n.name().equals(HOSTNAME) ? 1 : 0) + "\n");
    }
    if (!files.exists(base + "/idle_timeout_ms")) {
      write(base + "/idle_timeout_ms", "30000\n");
      write(base + "/keepalive_delay_ms", "2000\n");
      write(base + "/reconnect_delay_ms", "2000\n");
      write(base + "/heartbeat/dead_threshold", "31\n");
    }
    return Reply.ok();
  }

  private Reply blkid() {
    if (filesystem == null) {
      return new Reply(2, "", "");
    }
    if (filesystem.equals("ext4")) {
      return Reply.ok("DEVNAME=" + DEVICE + "\nUUID=0d7c3a55-0e4f-4f77-9d0b-1c2b3a4d5e6f\nBLOCK_SIZE=4096\n"
          + "TYPE=ext4\nUSAGE=filesystem\n");
    }
    return Reply.ok("DEVNAME=" + DEVICE + "\nUUID=" + UUID + "\nBLOCK_SIZE=4096\nLABEL=ISCSI\nTYPE=ocfs2\n"
        + "USAGE=filesystem\n");
  }

  /** Captured on image files (captured/util-linux): blank, or the ext4 that blkid reports too. */
  private Reply wipefs() {
    if (filesystem == null) {
      return Reply.ok(captured("util-linux/wipefs-blank.txt"));
    }
    if (filesystem.equals("ext4")) {
      return Reply.ok(captured("util-linux/wipefs-ext4.txt"));
    }
    throw new AssertionError("no captured wipefs output of a device with " + filesystem);
  }

  private Reply mountedDetect() {
    String header = "Device                Stack  Cluster  F  UUID                              Label\n";
    if (!"ocfs2".equals(filesystem)) {
      return Reply.ok(header);
    }
    return Reply.ok(header + "/dev/mapper/mylun     o2cb   iscsi       " + REGION + "  ISCSI\n");
  }

  private Reply mount(List<String> argv) {
    if (argv.get(1).equals("--bind")) {
      String src = argv.get(2);
      String dev = mountTable().stream().filter(l -> l.split(" ")[1].equals(src)).map(l -> l.split(" ")[0])
          .findFirst().orElseThrow(() -> new AssertionError("bind of an unmounted path " + src));
      appendMount(dev + " " + argv.get(3) + " ocfs2 rw,noatime,_netdev,heartbeat=local,user_xattr,acl 0 0");
      return Reply.ok();
    }
    if (argv.get(1).equals("-o") && argv.get(2).startsWith("remount,bind,")) {
      // mount -o remount,bind,FLAGS TARGET: the bind's per-mount flags change, as the kernel lists them.
      List<String> flags = List.of(argv.get(2).substring("remount,bind,".length()).split(","));
      List<String> lines = new ArrayList<>();
      for (String l : mountTable()) {
        String[] f = l.split(" ");
        if (f[1].equals(argv.get(3))) {
          List<String> opts = new ArrayList<>(List.of(f[3].split(",")));
          if (flags.contains("ro")) {
            opts.set(0, "ro");
          }
          int next = 1;
          for (String x : flags) {
            if (!x.equals("ro") && !opts.contains(x)) {
              opts.add(next++, x);
            }
          }
          f[3] = String.join(",", opts);
          l = String.join(" ", f);
        }
        lines.add(l);
      }
      write("/proc/self/mounts", String.join("\n", lines) + "\n");
      return Reply.ok();
    }
    // mount -t TYPE -o OPTS SOURCE TARGET
    String type = argv.get(2);
    String opts = argv.get(4);
    String src = argv.get(5);
    String target = argv.get(6);
    if (type.equals("configfs")) {
      mkdirs("/sys/kernel/config/cluster");
    }
    if (type.equals("ocfs2")) {
      mkdirs("/sys/kernel/config/cluster/iscsi/heartbeat/" + REGION);
      opts = (remountedReadOnly ? "ro," : "rw,") + opts + ",heartbeat=local,nointr,data=ordered,errors=remount-ro";
    }
    appendMount(src + " " + target + " " + type + " " + opts + " 0 0");
    return Reply.ok();
  }

  private Reply umount(List<String> argv) {
    umountsStarted.incrementAndGet();
    java.util.concurrent.CountDownLatch hang = umountHangsUntil;
    if (hang != null) {
      try {
        hang.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    String target = argv.get(1);
    List<String> lines = new ArrayList<>(mountTable());
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).split(" ")[1].equals(target)) {
        boolean ocfs2 = lines.get(i).split(" ")[2].equals("ocfs2");
        lines.remove(i);
        write("/proc/self/mounts", String.join("\n", lines) + "\n");
        if (ocfs2 && lines.stream().noneMatch(l -> l.startsWith(DEVICE + " ")) && privateNamespaceHolders.isEmpty()
            && !kernelLeavesRegion) {
          delete("/sys/kernel/config/cluster/iscsi/heartbeat/" + REGION);
        }
        return Reply.ok();
      }
    }
    return new Reply(32, "", "umount: " + target + ": not mounted.\n");
  }

  /**
   * dmsetup info in dmsetup's own format (lvm2 dmsetup.c): the kernel counts one open for the mounted superblock
   * (however many namespaces mount it), one for the o2cb heartbeat region, one per process that has the map open.
   */
  /** What {@code dmsetup info mylun} answers now (for tests that replace its rule). */
  public Reply dmsetupInfoNow() {
    return dmsetupInfo();
  }

  private Reply dmsetupInfo() {
    if (!mapBuilt) {
      return new Reply(1, "Device does not exist.\n", "Command failed.\n");
    }
    boolean mounted = mountTable().stream().anyMatch(l -> l.startsWith(DEVICE + " "))
        || !privateNamespaceHolders.isEmpty();
    boolean region = files.isDirectory("/sys/kernel/config/cluster/iscsi/heartbeat/" + REGION);
    int open = (mounted ? 1 : 0) + (region ? 1 : 0) + processOpens;
    return Reply.ok("Name:              mylun\nState:             ACTIVE\nRead Ahead:        256\n"
        + "Tables present:    LIVE\nOpen count:        " + open + "\nEvent number:      0\n"
        + "Major, minor:      253, 0\nNumber of targets: 1\nUUID: mpath-" + WWID + "\n");
  }

  /**
   * A pod's container keeps the filesystem mounted at {@code mountPoint} in its own mount namespace (as container
   * runtimes bind-mount volumes, private): the host's unmount does not reach it.
   */
  public void holdInPrivateNamespace(int pid, String comm, String mountPoint) {
    privateNamespaceHolders.put(pid, comm);
    write("/proc/" + pid + "/comm", comm + "\n");
    write("/proc/" + pid + "/mountinfo",
        "1201 1180 0:312 / / rw,relatime master:512 - overlay overlay rw,lowerdir=/var/lib/containerd/l1\n"
            + "1215 1201 " + MAP_DEVICE_NUMBER + " / " + mountPoint + " rw,noatime master:488 - ocfs2 " + DEVICE
            + " rw,_netdev,heartbeat=local,nointr,data=ordered,errors=remount-ro,atime_quantum=60,coherency=full,"
            + "user_xattr,acl\n");
  }

  /** The pod's last process exits: its namespace goes, and with the last mount the kernel stops the heartbeat. */
  public void releasePrivateNamespace(int pid) {
    privateNamespaceHolders.remove(pid);
    delete("/proc/" + pid + "/mountinfo");
    delete("/proc/" + pid + "/comm");
    delete("/proc/" + pid);
    if (privateNamespaceHolders.isEmpty() && mountTable().stream().noneMatch(l -> l.startsWith(DEVICE + " "))) {
      delete("/sys/kernel/config/cluster/iscsi/heartbeat/" + REGION);
    }
  }

  // ---------------------------------------------------------------------------------------------------------

  /**
   * The node crashed and booted again: what lived in the kernel is gone (sessions and their disks, the map, every
   * mount but the root, the o2cb cluster in configfs), files on disk stay (the plugin's state dir, cluster.conf),
   * the kernel has a new boot id, and the disks behind the sessions get other names at the next login.
   */
  public void crashAndBoot(String bootId) {
    for (String portal : List.copyOf(loggedIn)) {
      removeSessionDisk(portal);
    }
    loggedIn.clear();
    mapBuilt = false;
    delete("/dev/mapper/mylun");
    write("/proc/self/mounts", "/dev/ubda / ext4 rw,relatime 0 0\n");
    try {
      Path configfs = root.resolve("sys/kernel/config/cluster");
      if (Files.exists(configfs)) {
        try (var walk = Files.walk(configfs)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    write("/proc/sys/kernel/random/boot_id", bootId + "\n");
    diskOfPortal.put(PORTAL_A, "sde");
    diskOfPortal.put(PORTAL_B, "sdf");
    wwidOfDevice.put("sde", WWID);
    wwidOfDevice.put("sdf", WWID);
  }

  public List<String> mountTable() {
    return read("/proc/self/mounts").lines().filter(l -> !l.isBlank()).toList();
  }

  private void appendMount(String line) {
    List<String> lines = new ArrayList<>(mountTable());
    lines.add(line);
    write("/proc/self/mounts", String.join("\n", lines) + "\n");
  }

  /** A setting of the volume's multipath drop-in, as the plugin wrote it. */
  private java.util.Optional<String> dropInValue(String key) {
    Path dropIn = root.resolve("etc/multipath/conf.d/ocfs2iscsi-mylun.conf");
    if (!Files.exists(dropIn)) {
      return java.util.Optional.empty();
    }
    return read("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf").lines().map(String::strip)
        .filter(l -> l.startsWith(key + " ")).map(l -> l.substring(key.length() + 1).strip()).findFirst();
  }

  /** The session and SCSI disk a login through this portal makes appear in sysfs. */
  public void sessionDisk(String portal) {
    int sid = sidOfPortal.get(portal);
    String dev = diskOfPortal.get(portal);
    String hctl = hctlOfPortal.get(portal);
    String session = "/sys/class/iscsi_session/session" + sid;
    String block = session + "/device/target" + hctl.substring(0, hctl.lastIndexOf(':')) + "/" + hctl + "/block/"
        + dev;
    mkdirs(block);
    write(block + "/device/vendor", "SCST_FIO\n");
    write(block + "/device/model", "VDISK-LUN01     \n");
    write(block + "/device/delete", "");
    write(session + "/recovery_tmo", "5\n");
    // iscsid.conf's noop_out_interval and noop_out_timeout, as the kernel shows them on the connection
    String connection = "/sys/class/iscsi_connection/connection" + sid + ":0";
    mkdirs(connection);
    write(connection + "/recv_tmo", "5\n");
    write(connection + "/ping_tmo", "5\n");
    mkdirs("/sys/block");
    try {
      Path link = root.resolve("sys/block/" + dev);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, root.resolve(block.substring(1)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The kernel names the disks anew, as after a reboot or a log out and in: the LUN 0 disks behind the sessions of
   * portals A and B are now {@code diskA} and {@code diskB} (same LUN, same WWID).
   */
  public void renameDisks(String diskA, String diskB) {
    List<String> sessions = List.copyOf(loggedIn);
    sessions.forEach(this::removeSessionDisk);
    diskOfPortal.put(PORTAL_A, diskA);
    diskOfPortal.put(PORTAL_B, diskB);
    wwidOfDevice.put(diskA, WWID);
    wwidOfDevice.put(diskB, WWID);
    sessions.forEach(this::sessionDisk);
  }

  /** Another LUN of the target behind the session of {@code portal}: SCSI disk {@code dev}, reporting {@code wwid}. */
  public void lunDisk(String portal, int lun, String dev, String wwid) {
    String hctl = hctlOfPortal.get(portal);
    String scsiTarget = hctl.substring(0, hctl.lastIndexOf(':'));
    scsiDisk("/sys/class/iscsi_session/session" + sidOfPortal.get(portal) + "/device/target" + scsiTarget + "/"
        + scsiTarget + ":" + lun + "/block/" + dev, dev, wwid);
  }

  /** A session (sid 3) of another target, whose LUN 0 is the SCSI disk {@code dev} reporting {@code wwid}. */
  public void otherTargetDisk(String dev, String wwid) {
    scsiDisk("/sys/class/iscsi_session/session3/device/target5:0:0/5:0:0:0/block/" + dev, dev, wwid);
  }

  /** The sysfs delete switch of a disk, where a test reads whether the plugin wrote "1" into it. */
  public String deleteSwitch(String dev) {
    return read("/sys/block/" + dev + "/device/delete");
  }

  private void scsiDisk(String block, String dev, String wwid) {
    mkdirs(block);
    mkdirs("/sys/block");
    write(block + "/device/delete", "");
    wwidOfDevice.put(dev, wwid);
    try {
      Path link = root.resolve("sys/block/" + dev);
      Files.deleteIfExists(link);
      Files.createSymbolicLink(link, root.resolve(block.substring(1)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void removeSessionDisk(String portal) {
    int sid = sidOfPortal.get(portal);
    try {
      Files.deleteIfExists(root.resolve("sys/block/" + diskOfPortal.get(portal)));
      Path session = root.resolve("sys/class/iscsi_session/session" + sid);
      if (Files.exists(session)) {
        try (var walk = Files.walk(session)) {
          walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A local SCSI disk (its scsi_id answer is scripted): multipath must blacklist it. */
  private void localDisk(String dev) {
    String block = "/sys/devices/pci0000:00/0000:00:05.0/host2/target2:0:0/2:0:0:0/block/" + dev;
    mkdirs(block);
    mkdirs("/sys/block");
    try {
      Files.createSymbolicLink(root.resolve("sys/block/" + dev), root.resolve(block.substring(1)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String read(String hostPath) {
    return files.read(hostPath).orElse("");
  }

  public boolean exists(String hostPath) {
    return files.exists(hostPath);
  }

  public void write(String hostPath, String content) {
    try {
      Files.createDirectories(files.resolve(hostPath).getParent());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    files.writeAttribute(hostPath, content);
  }

  private void mkdirs(String hostPath) {
    files.createDirectories(hostPath);
  }

  private void delete(String hostPath) {
    files.deleteIfExists(hostPath);
  }
}
