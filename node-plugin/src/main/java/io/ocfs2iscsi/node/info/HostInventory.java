package io.ocfs2iscsi.node.info;

import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.tools.HostTools;
import java.net.Inet4Address;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The host's prerequisites: tools (with versions), kernel modules, the iscsid and multipathd daemons, the
 * initiator name and the o2cb address. Tool checks run processes, so their result is kept for a minute: kubelet's
 * probes call Probe every few seconds with an 8 s deadline. On a loaded node a round of checks can take longer than
 * that, so after the first round a probe answers from the last one while a single new round runs in the background:
 * a probe that waited would fail, and the liveness probe would restart the plugin in the middle of a stage.
 */
public final class HostInventory {

  private static final Logger LOG = LoggerFactory.getLogger(HostInventory.class);

  static final List<ToolCheck> TOOLS =
      List.of(
          new ToolCheck("iscsiadm", "open-iscsi", true, "iscsiadm", "--version"),
          new ToolCheck("multipath", "multipath-tools", true, "multipath", "-h"),
          new ToolCheck("multipathd", "multipath-tools", true, "multipathd", "-h"),
          new ToolCheck("dmsetup", "dmsetup", true, "dmsetup", "--version"),
          new ToolCheck("scsi_id", "udev", true, "/lib/udev/scsi_id", "--version"),
          new ToolCheck("mkfs.ocfs2", "ocfs2-tools", true, "mkfs.ocfs2", "--version"),
          new ToolCheck("mounted.ocfs2", "ocfs2-tools", true, "mounted.ocfs2", "--version"),
          new ToolCheck("o2cb", "ocfs2-tools", true, "o2cb", "--version"),
          new ToolCheck("blkid", "util-linux", true, "blkid", "-V"),
          new ToolCheck("mount", "util-linux", true, "mount", "-V"),
          new ToolCheck("modprobe", "kmod", true, "modprobe", "--version"));

  static final List<String> MODULES =
      List.of("iscsi_tcp", "dm_multipath", "ocfs2", "ocfs2_stack_o2cb", "ocfs2_dlmfs");

  /**
   * What only a node of a user-stack cluster needs (listed with their versions on every node): its daemons, and
   * sg_persist, with which the fence agent preempts a failed member's reservation key.
   */
  static final List<ToolCheck> USER_STACK_TOOLS =
      List.of(
          new ToolCheck("corosync", "corosync", false, "corosync", "-v"),
          new ToolCheck("dlm_controld", "dlm-controld", false, "dlm_controld", "-V"),
          new ToolCheck("sg_persist", "sg3-utils", false, "sg_persist", "-V"));

  static final List<String> USER_STACK_MODULES = List.of("dlm", "ocfs2_stack_user");

  static final String INITIATOR_FILE = "/etc/iscsi/initiatorname.iscsi";
  private static final Duration CACHE = Duration.ofMinutes(1);
  private static final Pattern VERSION = Pattern.compile("(\\d+(?:\\.\\d+)+)");

  private final HostTools host;
  private final ClusterStack cluster;
  private final NetworkAddresses network;
  private final String nodeName;
  private final String pluginVersion;
  private final String o2cbAddressOverride;
  private final Clock clock;

  private volatile Checked checked;
  private final Object firstRound = new Object();
  private final AtomicBoolean roundRunning = new AtomicBoolean();

  public HostInventory(
      HostTools host, ClusterStack cluster, NetworkAddresses network, String nodeName, String pluginVersion,
      String o2cbAddressOverride, Clock clock) {
    this.host = host;
    this.cluster = cluster;
    this.network = network;
    this.nodeName = nodeName;
    this.pluginVersion = pluginVersion;
    this.o2cbAddressOverride = o2cbAddressOverride;
    this.clock = clock;
  }

  /**
   * @param missing what every node lacks
   * @param missingForUserStack what a node of a user-stack cluster lacks besides
   */
  private record Checked(Instant at, List<NodeFacts.Tool> tools, List<String> missingTools, List<String> missing,
      List<String> missingForUserStack) {}

  /** Required tools that are missing (cached): Probe is ready when this is empty. */
  public List<String> missingTools() {
    return check().missingTools();
  }

  /**
   * @param addressCidr when set, the o2cb address is this node's address inside that network
   * @param userStack the node is asked for a cluster of the user stack
   */
  public NodeFacts facts(String addressCidr, boolean userStack) {
    if (!addressCidr.isEmpty() && !ValueRules.matches(ValueRules.IPV4_CIDR, addressCidr)) {
      throw NodeException.invalidArgument("address_cidr must be " + ValueRules.IPV4_CIDR_RULE);
    }
    Checked c = check();
    List<String> missing = new ArrayList<>(c.missing());
    if (userStack) {
      missing.addAll(c.missingForUserStack());
    }
    String address = o2cbAddress(addressCidr, missing);
    String o2cbName;
    try {
      o2cbName = cluster.localNodeName();
    } catch (RuntimeException e) {
      o2cbName = "";
      missing.add("host name unreadable (uname -n): " + e.getMessage());
    }
    return new NodeFacts(
        nodeName, o2cbName, address, initiatorName().orElse(""), pluginVersion, c.tools(), missing,
        c.missingTools());
  }

  Optional<String> initiatorName() {
    return host.files().read(INITIATOR_FILE).flatMap(HostInventory::parseInitiatorName);
  }

  /** InitiatorName=iqn... (comments and blank lines ignored). */
  static Optional<String> parseInitiatorName(String file) {
    for (String line : file.split("\n")) {
      String t = line.strip();
      if (t.startsWith("InitiatorName=")) {
        return Optional.of(t.substring("InitiatorName=".length()).strip());
      }
    }
    return Optional.empty();
  }

  private String o2cbAddress(String cidr, List<String> missing) {
    List<Inet4Address> addresses = network.ipv4();
    if (cidr != null && !cidr.isEmpty()) {
      Inet4Address a = NetworkAddresses.inCidr(addresses, cidr);
      if (a == null) {
        missing.add("no address of this node is inside " + cidr + " (the o2cb network)");
        return "";
      }
      return a.getHostAddress();
    }
    if (o2cbAddressOverride != null && !o2cbAddressOverride.isEmpty()) {
      return o2cbAddressOverride;
    }
    return addresses.isEmpty() ? "" : addresses.get(0).getHostAddress();
  }

  private Checked check() {
    Checked c = checked;
    if (c == null) {
      synchronized (firstRound) {
        if (checked == null) {
          checked = checkHost();
        }
        return checked;
      }
    }
    if (!c.at().plus(CACHE).isAfter(clock.instant()) && roundRunning.compareAndSet(false, true)) {
      Thread round = new Thread(() -> {
        try {
          checked = checkHost();
        } catch (RuntimeException e) {
          LOG.warn("checking the host's prerequisites failed: {}", e.toString());
        } finally {
          roundRunning.set(false);
        }
      }, "host-inventory");
      round.setDaemon(true);
      round.start();
    }
    return c;
  }

  private Checked checkHost() {
    Instant now = clock.instant();
    List<NodeFacts.Tool> tools = new ArrayList<>();
    List<String> missingTools = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (ToolCheck t : TOOLS) {
      NodeFacts.Tool tool = probe(t);
      tools.add(tool);
      if (!tool.present() && t.required()) {
        missingTools.add(t.name());
        missing.add(t.pkg() + " (" + t.name() + " not found)");
      }
    }
    missingModules(MODULES).forEach(m -> missing.add("kernel module " + m));
    List<String> missingForUserStack = new ArrayList<>();
    for (ToolCheck t : USER_STACK_TOOLS) {
      NodeFacts.Tool tool = probe(t);
      tools.add(tool);
      if (!tool.present()) {
        missingForUserStack.add(t.pkg() + " (" + t.name() + " not found; the user stack needs it)");
      }
    }
    missingModules(USER_STACK_MODULES)
        .forEach(m -> missingForUserStack.add("kernel module " + m + " (the user stack needs it)"));
    List<String> running = runningPrograms();
    for (String daemon : List.of("iscsid", "multipathd")) {
      if (!running.contains(daemon)) {
        missing.add(daemon + " is not running");
      }
    }
    if (initiatorName().filter(n -> ValueRules.matches(ValueRules.IQN, n)).isEmpty()) {
      missing.add("no initiator name in " + INITIATOR_FILE);
    }
    return new Checked(now, List.copyOf(tools), List.copyOf(missingTools), List.copyOf(missing),
        List.copyOf(missingForUserStack));
  }

  /** The tool with the version it reports; not present when its program is missing. */
  private NodeFacts.Tool probe(ToolCheck t) {
    CommandResult r = host.runner().run(Command.of(Duration.ofSeconds(10), t.versionArgv()));
    boolean present = !r.programMissing();
    return new NodeFacts.Tool(t.name(), present ? version(r) : "", present);
  }

  private List<String> missingModules(List<String> modules) {
    return modules.stream().filter(m -> !host.modprobe().available(m)).toList();
  }

  /** Names of the host's processes (/proc/PID/comm; with hostPID the host's). */
  private List<String> runningPrograms() {
    List<String> names = new ArrayList<>();
    for (String pid : host.files().list("/proc")) {
      if (pid.chars().allMatch(Character::isDigit)) {
        try {
          host.files().read("/proc/" + pid + "/comm").map(String::strip).ifPresent(names::add);
        } catch (RuntimeException e) {
          // the process exited while listing
        }
      }
    }
    return names;
  }

  static String version(CommandResult r) {
    String text = r.stdout() + "\n" + r.stderr();
    for (String line : text.split("\n")) {
      Matcher m = VERSION.matcher(line);
      if (m.find()) {
        return line.strip().length() > 120 ? m.group(1) : line.strip();
      }
    }
    return "";
  }
}
