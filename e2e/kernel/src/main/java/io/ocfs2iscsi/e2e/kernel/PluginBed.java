package io.ocfs2iscsi.e2e.kernel;

import csi.v1.IdentityGrpc;
import csi.v1.NodeGrpc;
import csi.v1.ProbeRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.ExpandVolumeRequest;
import io.ocfs2iscsi.agent.v1.ExpandVolumeResponse;
import io.ocfs2iscsi.agent.v1.FormatVolumeRequest;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthRequest;
import io.ocfs2iscsi.agent.v1.GetVolumeHealthResponse;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsRequest;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real node plugin (node-plugin/target/node-plugin.jar) running inside every guest of a {@link TestBed}, exactly
 * as on a Kubernetes node (direct host mode), with its CSI endpoint (guest port 50051) and its node agent (50052,
 * insecure: local test bed only) reached from this JVM through the test bed's 127.0.0.1 forwards.
 *
 * <p>It starts, kills and restarts the plugin processes, hands out the CSI and agent stubs and makes the operator's
 * agent calls (ApplyCluster, FormatVolume, GetVolumeHealth); {@link Kubelet} makes kubelet's CSI Node calls and
 * {@link ReferenceVolume} holds the reference setup's values. Each plugin logs to
 * {@code <run>/guests/<node>/ctl/plugin.log} (the guest's {@code /ctl/plugin.log}).
 */
public final class PluginBed implements AutoCloseable {

  public static final int CSI_PORT = 50051;
  public static final int AGENT_PORT = 50052;
  /** The plugin's /metrics, on the guest's loopback: read from inside the guest ({@link #metrics}). */
  public static final int METRICS_PORT = 9809;
  public static final String GUEST_JAR = "/host/node-plugin.jar";
  public static final String STATE_DIR = "/var/lib/ocfs2iscsi";
  public static final Duration RPC_DEADLINE = Duration.ofMinutes(4);
  public static final Duration PLUGIN_READY_TIMEOUT = Duration.ofMinutes(3);

  private final TestBed bed;
  private final Path share;
  private final Map<String, Channels> channels = new LinkedHashMap<>();
  private final Map<String, Integer> pluginPids = new LinkedHashMap<>();

  private record Channels(ManagedChannel csi, ManagedChannel agent) {
    void close() {
      csi.shutdownNow();
      agent.shutdownNow();
    }
  }

  private PluginBed(TestBed bed, Path share) {
    this.bed = bed;
    this.share = share;
  }

  /** The plugin jar of this checkout; fails with the build command when it is missing. */
  public static Path pluginJar() {
    Path jar = TestBed.repoRoot().resolve("node-plugin/target/node-plugin.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("missing prerequisite: " + jar + " (build it: mvn -B -ntp -pl node-plugin"
          + " package -DskipTests, or e2e/bin/test)");
    }
    // A jar older than its sources tests old code (seen: a fix "failing" on real kernels because the jar predated it).
    Path sources = TestBed.repoRoot().resolve("node-plugin/src/main");
    try (var files = Files.walk(sources)) {
      long jarTime = Files.getLastModifiedTime(jar).toMillis();
      Optional<Path> newer = files.filter(Files::isRegularFile)
          .filter(f -> lastModified(f) > jarTime).findFirst();
      if (newer.isPresent()) {
        throw new IllegalStateException("stale prerequisite: " + jar + " is older than " + newer.get()
            + " (rebuild it: mvn -B -ntp -o -pl node-plugin -am package -DskipTests)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot check " + sources, e);
    }
    return jar;
  }

  private static long lastModified(Path f) {
    try {
      return Files.getLastModifiedTime(f).toMillis();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a test bed of two guests (and a second target of {@code lun2Size} when not null), copies the plugin jar
   * into the guests' shared folder, starts the plugin in every guest and waits until both endpoints answer.
   */
  public static PluginBed start(String lun2Size) {
    Path jar = pluginJar();
    Path share;
    try {
      Path target = Files.createDirectories(TestBed.repoRoot().resolve("e2e/kernel/target"));
      share = Files.createTempDirectory(target, "plugin-share-");
      Files.copy(jar, share.resolve("node-plugin.jar"), StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<String> launcherArgs = lun2Size == null ? List.of() : List.of("--lun2-size", lun2Size);
    TestBed bed = TestBed.start(TestBed.Options.defaults().withShare(share).withLauncherArgs(launcherArgs));
    PluginBed p = new PluginBed(bed, share);
    try {
      for (String node : bed.nodes().keySet()) {
        p.spawnPlugin(node);
      }
      for (String node : bed.nodes().keySet()) {
        p.awaitPlugin(node);
      }
      return p;
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
  }

  public TestBed bed() {
    return bed;
  }

  public List<String> nodes() {
    return List.copyOf(bed.nodes().keySet());
  }

  // ---- the plugin process in a guest ----------------------------------------------------------------------

  /** Host path of a guest's plugin log. */
  public Path pluginLog(String node) {
    return bed.ctlDir(node).resolve("plugin.log");
  }

  /** Bytes in the plugin log of {@code node} so far: the offset for {@link #pluginLogSince}. */
  public long pluginLogSize(String node) {
    try {
      return Files.exists(pluginLog(node)) ? Files.size(pluginLog(node)) : 0;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the plugin of {@code node} logged after byte {@code offset} (e.g. during one call). */
  public String pluginLogSince(String node, long offset) {
    try {
      byte[] all = Files.exists(pluginLog(node)) ? Files.readAllBytes(pluginLog(node)) : new byte[0];
      int from = (int) Math.min(offset, all.length);
      return new String(all, from, all.length - from, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the plugin in {@code node} (detached; log appended to /ctl/plugin.log) and returns its guest pid. */
  public int spawnPlugin(String node) {
    TestBed.Node n = bed.node(node);
    // The script is a constant; every value travels as an argument ("$@"), never through the shell's parser.
    int pid = bed.spawn(node, "bash", "-c", "exec \"$@\" >>/ctl/plugin.log 2>&1", "node-plugin",
        // LOG_LEVEL=DEBUG: every host command with its wall time in the log (CommandLog reads them).
        "java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-DLOG_LEVEL=DEBUG", "-jar", GUEST_JAR,
        "--node-id", n.name(),
        "--csi-endpoint", "tcp://0.0.0.0:" + CSI_PORT,
        // The test plays kubelet from outside the guest, over TCP (which has no authentication).
        "--csi-insecure-tcp",
        "--agent-endpoint", "0.0.0.0:" + AGENT_PORT,
        "--agent-insecure",
        "--state-dir", STATE_DIR,
        "--host-mode", "direct",
        "--o2cb-address", n.mgmtIp(),
        "--metrics-endpoint", "127.0.0.1:" + METRICS_PORT);
    pluginPids.put(node, pid);
    return pid;
  }

  /** GET /metrics of the plugin in {@code node}, from inside the guest (HTTP over bash's /dev/tcp). */
  public String metrics(String node) {
    String reply = run(node, Duration.ofSeconds(60), "bash", "-c", "exec 3<>/dev/tcp/$0/$1 && printf 'GET /metrics"
        + " HTTP/1.1\\r\\nHost: %s\\r\\nConnection: close\\r\\n\\r\\n' \"$0\" >&3 && cat <&3", "127.0.0.1",
        Integer.toString(METRICS_PORT)).replace("\r\n", "\n");
    if (!reply.startsWith("HTTP/1.1 200")) {
      throw new IllegalStateException(node + ": GET /metrics: " + reply);
    }
    return reply.substring(reply.indexOf("\n\n") + 2);
  }

  /** Waits until the plugin of {@code node} answers Probe (CSI) and GetNodeInfo (agent) through fresh channels. */
  public void awaitPlugin(String node) {
    Channels old = channels.remove(node);
    if (old != null) {
      old.close();
    }
    TestBed.Node n = bed.node(node);
    Channels c = new Channels(channel(n.port(CSI_PORT).getPort()), channel(n.port(AGENT_PORT).getPort()));
    channels.put(node, c);
    long deadline = System.nanoTime() + PLUGIN_READY_TIMEOUT.toNanos();
    StatusRuntimeException last = null;
    while (System.nanoTime() < deadline) {
      Integer pid = pluginPids.get(node);
      if (pid != null && bed.exec(node, Duration.ofSeconds(20), "kill", "-0", pid.toString()).exitCode() != 0) {
        throw new IllegalStateException("the node plugin on " + node + " exited; " + diagnostics(node));
      }
      try {
        IdentityGrpc.newBlockingStub(c.csi()).withDeadlineAfter(5, TimeUnit.SECONDS)
            .probe(ProbeRequest.getDefaultInstance());
        NodeAgentGrpc.newBlockingStub(c.agent()).withDeadlineAfter(5, TimeUnit.SECONDS)
            .getNodeInfo(GetNodeInfoRequest.getDefaultInstance());
        return;
      } catch (StatusRuntimeException e) {
        last = e;
      }
      Poll.sleep(Duration.ofSeconds(1));
    }
    throw new IllegalStateException("the node plugin on " + node + " did not answer within " + PLUGIN_READY_TIMEOUT
        + " (last: " + last + "); " + diagnostics(node));
  }

  /** Kills the plugin of {@code node} hard (SIGKILL: a crash); mounts stay, as on a real node. */
  public void killPlugin(String node) {
    Integer pid = pluginPids.remove(node);
    if (pid == null) {
      throw new IllegalStateException("no plugin started on " + node);
    }
    bed.exec(node, Duration.ofSeconds(20), "kill", "-KILL", pid.toString()).requireSuccess();
    boolean gone = Poll.waitFor(Duration.ofSeconds(20), Duration.ofMillis(300),
        () -> bed.exec(node, Duration.ofSeconds(10), "kill", "-0", pid.toString()).exitCode() != 0);
    if (!gone) {
      throw new IllegalStateException("plugin pid " + pid + " on " + node + " survived SIGKILL");
    }
  }

  public Integer pluginPid(String node) {
    return pluginPids.get(node);
  }

  /**
   * The plugin process's memory as the guest kernel counts it ({@code /proc/<pid>/status}): VmRSS (resident now),
   * VmHWM (the resident peak since it started), VmSize and Threads; kB, except Threads.
   */
  public Map<String, Long> pluginMemory(String node) {
    Integer pid = pluginPids.get(node);
    if (pid == null) {
      throw new IllegalStateException("no plugin started on " + node);
    }
    String status = run(node, Duration.ofSeconds(30), "cat", "/proc/" + pid + "/status");
    Map<String, Long> out = new LinkedHashMap<>();
    for (String line : status.split("\n")) {
      String[] kv = line.split(":\\s+", 2);
      if (kv.length == 2 && List.of("VmRSS", "VmHWM", "VmSize", "Threads").contains(kv[0])) {
        out.put(kv[0], Long.parseLong(kv[1].replace(" kB", "").strip()));
      }
    }
    if (!out.keySet().containsAll(List.of("VmRSS", "VmHWM"))) {
      throw new IllegalStateException(node + ": no VmRSS/VmHWM in /proc/" + pid + "/status:\n" + status);
    }
    return out;
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  // ---- stubs ---------------------------------------------------------------------------------------------------

  public NodeGrpc.NodeBlockingStub csi(String node) {
    return NodeGrpc.newBlockingStub(ch(node).csi()).withDeadlineAfter(RPC_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  public IdentityGrpc.IdentityBlockingStub identity(String node) {
    return IdentityGrpc.newBlockingStub(ch(node).csi()).withDeadlineAfter(1, TimeUnit.MINUTES);
  }

  public NodeAgentGrpc.NodeAgentBlockingStub agent(String node) {
    return NodeAgentGrpc.newBlockingStub(ch(node).agent())
        .withDeadlineAfter(RPC_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  private Channels ch(String node) {
    Channels c = channels.get(node);
    if (c == null) {
      throw new IllegalStateException("no plugin channels for " + node);
    }
    return c;
  }

  // ---- the operator's calls to the node agent -------------------------------------------------------------------

  public ApplyClusterResponse applyCluster(String node, ApplyClusterRequest request) {
    return agent(node).applyCluster(request);
  }

  public FormatVolumeResponse format(String node, VolumeSpec spec) {
    return agent(node).formatVolume(FormatVolumeRequest.newBuilder().setVolume(spec).build());
  }

  public ExpandVolumeResponse expand(String node, VolumeSpec spec, boolean growFilesystem) {
    return agent(node).expandVolume(
        ExpandVolumeRequest.newBuilder().setVolume(spec).setGrowFilesystem(growFilesystem).build());
  }

  public SetNodeSlotsResponse setNodeSlots(String node, VolumeSpec spec, int slots) {
    return agent(node).setNodeSlots(
        SetNodeSlotsRequest.newBuilder().setVolume(spec).setNodeSlots(slots).build());
  }

  public GetVolumeHealthResponse health(String node, VolumeSpec spec) {
    return agent(node).getVolumeHealth(GetVolumeHealthRequest.newBuilder().setVolume(spec).build());
  }

  // ---- guest commands and diagnostics --------------------------------------------------------------------------

  public TestBed.ExecResult exec(String node, Duration timeout, String... argv) {
    return bed.exec(node, timeout, argv);
  }

  /** Runs {@code argv} in the guest and returns its stdout; a non-zero exit fails with the diagnostics. */
  public String run(String node, Duration timeout, String... argv) {
    TestBed.ExecResult r = bed.exec(node, timeout, argv);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(node + ": " + String.join(" ", argv) + " exited " + r.exitCode()
          + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr() + "\n" + diagnostics(node));
    }
    return r.stdout();
  }

  /** Where to look when something failed: run directory, consoles and plugin logs (host paths). */
  public String diagnostics() {
    StringBuilder sb = new StringBuilder("run directory ").append(bed.runDir());
    for (String n : nodes()) {
      sb.append("\n  ").append(n).append(": console ").append(bed.consoleLog(n)).append(", plugin log ")
          .append(pluginLog(n));
    }
    return sb.toString();
  }

  public String diagnostics(String node) {
    return node + ": console " + bed.consoleLog(node) + ", plugin log " + pluginLog(node) + "; last plugin lines:\n"
        + HostCommands.tail(pluginLog(node), 15) + "\nlast kernel lines of trouble on its console:\n"
        + HostCommands.lastLines(bed.consoleLog(node), 12, KERNEL_TROUBLE);
  }

  /**
   * Console lines that tell why a guest stopped answering: CI keeps only the failure messages, not the run
   * directory, and a guest that panicked (journal abort, o2cb fence) or lost its paths says so only there.
   */
  static final java.util.regex.Pattern KERNEL_TROUBLE = java.util.regex.Pattern.compile(
      "(?i)panic|abort|fenc|very sorry|reservation conflict|conn error|target not found|I/O error|blocked for more"
          + "|Oops|BUG:|heartbeat|e2e/guest/fault");

  @Override
  public void close() {
    List<RuntimeException> errors = new ArrayList<>();
    channels.values().forEach(Channels::close);
    channels.clear();
    try {
      bed.close();
    } catch (RuntimeException e) {
      errors.add(e);
    }
    try {
      Files.deleteIfExists(share.resolve("node-plugin.jar"));
      Files.deleteIfExists(share);
    } catch (IOException e) {
      // a leftover copy under target/ is harmless
    }
    if (!errors.isEmpty()) {
      throw errors.get(0);
    }
  }
}
