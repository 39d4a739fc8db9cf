package io.ocfs2iscsi.e2e.kernel;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The real-kernel test bed of {@code e2e/guest/launch}: a private network namespace with the reference SAN (tgtd on
 * 192.168.0.180 and 10.20.1.180, LUN 1 of {@code iqn.2016-02.local.virtual:virtual.vg1}) and User-Mode-Linux guests
 * node1..nodeN, each with open-iscsi, multipath-tools, ocfs2-tools and a JRE.
 *
 * <p>{@link #start} runs the launcher and waits for its {@code E2E READY} line; guest TCP ports (default 50051 and
 * 50052) are reachable from this JVM at the {@code 127.0.0.1} addresses in {@link Node#ports()}. {@link #close}
 * (also run by a shutdown hook) closes the launcher's standard input, which tears everything down; if this JVM dies,
 * the closed pipe does the same. A missing prerequisite fails with the launcher's message, which names the fix.
 */
public final class TestBed implements AutoCloseable {

  /** First boot may build the guest image (about a minute) before the guests boot. */
  public static final Duration READY_TIMEOUT = Duration.ofMinutes(6);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

  /** A guest: name (also its hostname and o2cb node name), addresses, initiator name, forwarded ports. */
  public record Node(String name, String mgmtIp, String sanAIp, String sanBIp, String iqn,
      Map<Integer, InetSocketAddress> ports) {
    /** The host-side 127.0.0.1 address that reaches {@code guestPort} of this guest. */
    public InetSocketAddress port(int guestPort) {
      InetSocketAddress a = ports.get(guestPort);
      if (a == null) {
        throw new IllegalArgumentException(name + ": guest port " + guestPort + " is not forwarded (see --forward)");
      }
      return a;
    }
  }

  /** Exit code and output of a command run inside a guest. */
  public record ExecResult(int exitCode, String stdout, String stderr) {
    public ExecResult requireSuccess() {
      if (exitCode != 0) {
        throw new IllegalStateException("exit code " + exitCode + "\nstdout: " + stdout + "\nstderr: " + stderr);
      }
      return this;
    }
  }

  /** Launcher options; {@code launcherArgs} are passed to e2e/guest/launch as they are (e.g. --lun2-size 512M). */
  public record Options(int nodes, List<Integer> forwardedPorts, Path share, List<String> guestCommand,
      List<String> launcherArgs) {
    public static Options defaults() {
      return new Options(2, List.of(50051, 50052), null, List.of(), List.of());
    }

    public Options withNodes(int n) {
      return new Options(n, forwardedPorts, share, guestCommand, launcherArgs);
    }

    public Options withForwardedPorts(List<Integer> ports) {
      return new Options(nodes, List.copyOf(ports), share, guestCommand, launcherArgs);
    }

    /** A host directory every guest sees on {@code /host} (e.g. with the node plugin jar). */
    public Options withShare(Path dir) {
      return new Options(nodes, forwardedPorts, dir, guestCommand, launcherArgs);
    }

    /** A command every guest starts once ready (its output: {@code ctl/autostart.log} of the guest). */
    public Options withGuestCommand(List<String> argv) {
      return new Options(nodes, forwardedPorts, share, List.copyOf(argv), launcherArgs);
    }

    /** More launcher arguments, e.g. {@code List.of("--lun2-size", "512M")}. */
    public Options withLauncherArgs(List<String> args) {
      return new Options(nodes, forwardedPorts, share, guestCommand, List.copyOf(args));
    }
  }

  private final Path repoRoot;
  private final Process launcher;
  private final OutputStream launcherStdin;
  private final Path runDir;
  private final String netns;
  private final Map<String, Node> nodes;
  private final int bootSeconds;
  private final BlockingQueue<String> lines;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::stop, "e2e-testbed-shutdown");

  private TestBed(Path repoRoot, Process launcher, Path runDir, String netns, Map<String, Node> nodes,
      int bootSeconds, BlockingQueue<String> lines) {
    this.repoRoot = repoRoot;
    this.launcher = launcher;
    this.launcherStdin = launcher.getOutputStream();
    this.runDir = runDir;
    this.netns = netns;
    this.nodes = Collections.unmodifiableMap(nodes);
    this.bootSeconds = bootSeconds;
    this.lines = lines;
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** The checkout: system property {@code project.root}, else the nearest parent of the working directory with e2e/guest. */
  public static Path repoRoot() {
    String prop = System.getProperty("project.root");
    if (prop != null && Files.isExecutable(Path.of(prop, "e2e/guest/launch"))) {
      return Path.of(prop).toAbsolutePath();
    }
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isExecutable(p.resolve("e2e/guest/launch"))) {
        return p;
      }
    }
    throw new IllegalStateException("cannot find e2e/guest/launch above " + Path.of("").toAbsolutePath());
  }

  public static TestBed start(Options options) {
    Path root = repoRoot();
    List<String> cmd = new ArrayList<>(List.of(root.resolve("e2e/guest/launch").toString(),
        "--nodes", Integer.toString(options.nodes())));
    cmd.add("--forward");
    cmd.add(String.join(",", options.forwardedPorts().stream().map(String::valueOf).toList()));
    if (options.share() != null) {
      cmd.add("--share");
      cmd.add(options.share().toAbsolutePath().toString());
    }
    cmd.addAll(options.launcherArgs());
    for (String arg : options.guestCommand()) {
      cmd.add("--guest-cmd");
      cmd.add(arg);
    }
    Path log;
    Process p;
    try {
      Path logDir = root.resolve("e2e/kernel/target");
      Files.createDirectories(logDir);
      log = Files.createTempFile(logDir, "launch-", ".log");
      p = new ProcessBuilder(cmd).directory(root.toFile())
          .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + cmd, e);
    }
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          lines.add(line);
        }
      } catch (IOException ignored) {
        // launcher gone
      }
      lines.add("<eof>");
    }, "e2e-testbed-stdout");
    reader.setDaemon(true);
    reader.start();

    Map<String, Node> nodes = new LinkedHashMap<>();
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    try {
      while (true) {
        String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (line == null || line.equals("<eof>")) {
          p.destroy();
          p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
          throw new IllegalStateException((line == null ? "test bed not ready within " + READY_TIMEOUT
              : "launcher exited " + p.exitValue()) + "; its log (" + log + "):\n" + tail(log, 40));
        }
        if (line.startsWith("E2E NODE ")) {
          Node n = parseNode(line);
          nodes.put(n.name(), n);
        } else if (line.startsWith("E2E READY ")) {
          Map<String, String> kv = fields(line.substring("E2E READY ".length()));
          return new TestBed(root, p, Path.of(kv.get("run")), kv.get("netns"), nodes,
              Integer.parseInt(kv.getOrDefault("boot_seconds", "0")), lines);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroy();
      throw new IllegalStateException("interrupted while the test bed was starting", e);
    }
  }

  static Node parseNode(String line) {
    String[] w = line.split(" ");
    Map<String, String> kv = fields(line.substring(("E2E NODE " + w[2] + " ").length()));
    Map<Integer, InetSocketAddress> ports = new LinkedHashMap<>();
    kv.forEach((k, v) -> {
      if (k.startsWith("port.")) {
        int colon = v.lastIndexOf(':');
        ports.put(Integer.parseInt(k.substring(5)),
            InetSocketAddress.createUnresolved(v.substring(0, colon), Integer.parseInt(v.substring(colon + 1))));
      }
    });
    return new Node(w[2], kv.get("mgmt"), kv.get("san_a"), kv.get("san_b"), kv.get("iqn"),
        Collections.unmodifiableMap(ports));
  }

  private static Map<String, String> fields(String s) {
    Map<String, String> kv = new LinkedHashMap<>();
    for (String f : s.trim().split(" +")) {
      int eq = f.indexOf('=');
      if (eq > 0) {
        kv.put(f.substring(0, eq), f.substring(eq + 1));
      }
    }
    return kv;
  }

  private static String tail(Path file, int n) {
    return HostCommands.tail(file, n);
  }

  public Path runDir() {
    return runDir;
  }

  /** The run's {@code run.env} (E2E_* keys, see e2e/guest/README.md). */
  public java.util.Properties runEnv() {
    java.util.Properties p = new java.util.Properties();
    try (var in = Files.newBufferedReader(runDir.resolve("run.env"), StandardCharsets.UTF_8)) {
      p.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + runDir.resolve("run.env"), e);
    }
    return p;
  }

  /** The host directory a guest sees as {@code /ctl} (its serial console is beside it). */
  public Path ctlDir(String node) {
    return runDir.resolve("guests").resolve(node(node).name()).resolve("ctl");
  }

  public Path consoleLog(String node) {
    return runDir.resolve("guests").resolve(node(node).name()).resolve("console.log");
  }

  /**
   * True while the guest's VM process runs: false once it was killed or its kernel stopped (a panic, a fence). A VM
   * that exited but that the launcher has not reaped yet (a zombie) does not run.
   */
  public boolean guestRunning(String node) {
    Path pidFile = runDir.resolve("guests").resolve(node(node).name()).resolve("vm.pid");
    try {
      long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
      char state = stat.charAt(stat.lastIndexOf(')') + 2);
      return state != 'Z' && state != 'X';
    } catch (IOException | NumberFormatException | IndexOutOfBoundsException e) {
      return false;
    }
  }

  public String netns() {
    return netns;
  }

  public int bootSeconds() {
    return bootSeconds;
  }

  public Map<String, Node> nodes() {
    return nodes;
  }

  public Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no guest " + name + " (have " + nodes.keySet() + ")");
    }
    return n;
  }

  /** Runs {@code argv} (no shell) in guest {@code node}; {@code timeout} is enforced inside the guest (exit code 124). */
  public ExecResult exec(String node, Duration timeout, String... argv) {
    List<String> cmd = new ArrayList<>(List.of(repoRoot.resolve("e2e/guest/run-in").toString(),
        "--run", runDir.toString(), "--timeout", Long.toString(Math.max(1, timeout.toSeconds())), node, "--"));
    cmd.addAll(List.of(argv));
    return run(cmd, timeout.plusSeconds(30));
  }

  /** Starts {@code argv} detached in guest {@code node}; returns the guest pid. Output: ctl/out/ID.* of the guest. */
  public int spawn(String node, String... argv) {
    List<String> cmd = new ArrayList<>(List.of(repoRoot.resolve("e2e/guest/run-in").toString(),
        "--run", runDir.toString(), "--spawn", node, "--"));
    cmd.addAll(List.of(argv));
    String out = run(cmd, Duration.ofSeconds(60)).requireSuccess().stdout().trim();
    return Integer.parseInt(out.substring(out.indexOf(' ') + 1));
  }

  /** Failure injection: {@code fault("link-down", "node1", "b")}, {@code fault("target-restart", "7")}, ... */
  public void fault(String... args) {
    List<String> cmd = new ArrayList<>(List.of(repoRoot.resolve("e2e/guest/fault").toString(),
        "--run", runDir.toString()));
    cmd.addAll(List.of(args));
    run(cmd, Duration.ofMinutes(11)).requireSuccess();
  }

  /**
   * Kills guest {@code name} hard, as a node that loses power: SIGKILL to its VM's process group, no shutdown, no sync
   * (what its kernel had not written to its disk is lost). Returns once its processes are gone and its taps are free.
   */
  public void killNode(String name) {
    fault("guest-kill", node(name).name());
  }

  /**
   * Boots a killed guest again, as a crashed node restarts: the same overlay disk (what it had written survives; ext4
   * replays its journal), the same taps and addresses, the same initiator name (it is on the disk), the same control
   * directory and autostart command. Returns once its agent answers; the value is the time that took.
   */
  public Duration bootNode(String name) {
    long start = System.nanoTime();
    fault("guest-boot", node(name).name());
    return Duration.ofNanos(System.nanoTime() - start);
  }

  /**
   * Links the host into the management network (e2e/guest/host-link up) and returns the host's address there: from
   * then on the guests' management addresses are reachable from this host, as node InternalIPs are from an operator
   * pod. The link dies with the namespace at {@link #close()}.
   */
  public String linkHost() {
    return run(List.of(repoRoot.resolve("e2e/guest/host-link").toString(), "--run", runDir.toString(), "up"),
        Duration.ofMinutes(31)).requireSuccess().stdout().trim();
  }

  private static ExecResult run(List<String> cmd, Duration limit) {
    return HostCommands.run(cmd, Map.of(), limit);
  }

  /** Tears the test bed down (idempotent); waits for the launcher's teardown, bounded. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // JVM shutting down
    }
  }

  private void stop() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      launcherStdin.close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!launcher.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        launcher.destroy(); // SIGTERM: the launcher's trap still tears down
        if (!launcher.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
          launcher.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      launcher.destroy();
    }
  }

  /**
   * True once the launcher exited and reported its teardown ({@code E2E DONE}). Waits briefly for the reader of its
   * standard output, which may see that last line after the launcher's exit was seen.
   */
  public boolean tornDown() {
    if (launcher.isAlive()) {
      return false;
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (lines.stream().noneMatch(l -> l.startsWith("E2E DONE") || l.equals("<eof>"))
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return lines.stream().anyMatch(l -> l.startsWith("E2E DONE"));
  }
}
