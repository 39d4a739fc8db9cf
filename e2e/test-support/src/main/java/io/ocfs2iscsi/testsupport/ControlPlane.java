package io.ocfs2iscsi.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The real local control plane of {@code e2e/control-plane} (etcd, kube-apiserver, kube-controller-manager of the
 * Kubernetes release pinned there), started once per JVM by {@link ControlPlaneExtension} and stopped when the test
 * run ends (JUnit's root store, a shutdown hook, and the launcher's {@code --stop-on-stdin-eof} if the JVM dies).
 *
 * <p>Starting it runs {@code e2e/control-plane/build} (a no-op once built; the first build on a machine takes
 * minutes) and then the launcher, and waits for its ready file. If that fails, every test that needs it fails with
 * the reason and the command that fixes it; it is never skipped.
 */
@SuppressWarnings("deprecation") // Store.CloseableResource: kept so older JUnit versions close it too
public final class ControlPlane implements ExtensionContext.Store.CloseableResource, AutoCloseable {

  /** How long the first build may take (a cold Go build of Kubernetes on 2 busy cores). */
  static final Duration BUILD_TIMEOUT = Duration.ofMinutes(45);
  /** How long the launcher may take to report ready. */
  static final Duration READY_TIMEOUT = Duration.ofMinutes(3);

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger NAMES = new AtomicInteger();

  private final Process launcher;
  private final OutputStream launcherStdin; // held open: closing it (or the JVM dying) stops the launcher
  private final Path workDir;
  private final Path kubeconfig;
  private final String server;
  private final Path kubectl;
  private final String version;
  private final double readySeconds;
  private final KubernetesClient client;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread shutdownHook = new Thread(this::stop, "control-plane-shutdown");

  private ControlPlane(Process launcher, Path workDir, JsonNode ready) {
    this.launcher = launcher;
    this.launcherStdin = launcher.getOutputStream();
    this.workDir = workDir;
    this.kubeconfig = Path.of(ready.path("kubeconfig").asText());
    this.server = ready.path("server").asText();
    this.kubectl = Path.of(ready.path("kubectl").asText());
    this.version = ready.path("version").asText();
    this.readySeconds = ready.path("readySeconds").asDouble();
    try {
      this.client = new KubernetesClientBuilder()
          .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig)))
          .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Builds (if needed) and starts the control plane of the checkout at {@code projectRoot}, with its logs under
   * {@code workDir}.
   */
  public static ControlPlane start(Path projectRoot, Path workDir) {
    Path controlPlaneDir = projectRoot.resolve("e2e/control-plane");
    Path buildScript = controlPlaneDir.resolve("build");
    if (!Files.isExecutable(buildScript)) {
      throw new ControlPlaneUnavailableException(
          buildScript + " is missing or not executable: project root " + projectRoot + " looks wrong (set the"
              + " system property project.root to the checkout)");
    }
    try {
      Files.createDirectories(workDir);
      Path buildOut = workDir.resolve("build.out");
      Path buildLog = workDir.resolve("build.log");
      long t0 = System.nanoTime();
      Process build = new ProcessBuilder(buildScript.toString())
          .directory(projectRoot.toFile())
          .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
          .redirectOutput(buildOut.toFile())
          .redirectError(buildLog.toFile())
          .start();
      if (!build.waitFor(BUILD_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        build.destroyForcibly();
        throw new ControlPlaneUnavailableException(
            "e2e/control-plane/build did not finish within " + BUILD_TIMEOUT + "; its log:\n" + tail(buildLog, 40)
                + fix(projectRoot));
      }
      if (build.exitValue() != 0) {
        throw new ControlPlaneUnavailableException(
            "e2e/control-plane/build failed (exit " + build.exitValue() + "); its log:\n" + tail(buildLog, 40)
                + fix(projectRoot));
      }
      List<String> out = Files.readAllLines(buildOut).stream().filter(l -> !l.isBlank()).toList();
      if (out.isEmpty()) {
        throw new ControlPlaneUnavailableException("e2e/control-plane/build printed no bin directory" + fix(projectRoot));
      }
      Path bin = Path.of(out.get(out.size() - 1).trim());
      log("control-plane build: %s (%.1f s)", bin, (System.nanoTime() - t0) / 1e9);

      Path readyFile = workDir.resolve("ready.json");
      Files.deleteIfExists(readyFile);
      Path launcherLog = workDir.resolve("launcher.log");
      Process launcher = new ProcessBuilder(
              bin.resolve("k8s-local").toString(), "launch",
              "--ready-file", readyFile.toString(),
              "--log-dir", workDir.resolve("logs").toString(),
              "--stop-on-stdin-eof")
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(launcherLog.toFile())
          .start(); // standard input stays a pipe to this JVM: the launcher stops when it closes
      long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
      while (!Files.exists(readyFile)) {
        if (!launcher.isAlive()) {
          throw new ControlPlaneUnavailableException(
              "the control-plane launcher exited with " + launcher.exitValue() + " before it was ready; its output ("
                  + launcherLog + "):\n" + tail(launcherLog, 80));
        }
        if (System.nanoTime() > deadline) {
          launcher.destroy();
          launcher.waitFor(10, TimeUnit.SECONDS);
          launcher.destroyForcibly();
          throw new ControlPlaneUnavailableException(
              "the control plane was not ready within " + READY_TIMEOUT + "; launcher output (" + launcherLog
                  + "):\n" + tail(launcherLog, 80));
        }
        Thread.sleep(50);
      }
      ControlPlane cp = new ControlPlane(launcher, workDir, JSON.readTree(readyFile.toFile()));
      log("control plane ready in %.1f s: Kubernetes %s at %s (logs in %s)", cp.readySeconds, cp.version, cp.server,
          workDir);
      return cp;
    } catch (IOException e) {
      throw new ControlPlaneUnavailableException("cannot start the control plane: " + e + fix(projectRoot), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ControlPlaneUnavailableException("interrupted while starting the control plane", e);
    }
  }

  /** A client with the admin credentials ({@code system:masters}). Shared: do not close it. */
  public KubernetesClient client() {
    return client;
  }

  /** A new client with the admin credentials; the caller closes it. */
  public KubernetesClient newClient() {
    try {
      return new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The admin kubeconfig (certificates embedded). */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The API server's URL, {@code https://127.0.0.1:<port>}. */
  public String server() {
    return server;
  }

  /** The real kubectl of the same Kubernetes release. */
  public Path kubectlBinary() {
    return kubectl;
  }

  /** The Kubernetes release, e.g. {@code v1.36.3}. */
  public String version() {
    return version;
  }

  /** Where the launcher and the components write their logs. */
  public Path logDir() {
    return workDir;
  }

  /** A name no other call in this JVM returns: {@code base-<n>}, cut to fit 63 characters. */
  public static String uniqueName(String base) {
    String suffix = "-" + NAMES.incrementAndGet();
    String b = base.toLowerCase().replaceAll("[^a-z0-9-]", "-").replaceAll("-+", "-").replaceAll("^-|-$", "");
    if (b.isEmpty()) {
      b = "t";
    }
    if (b.length() + suffix.length() > 63) {
      b = b.substring(0, 63 - suffix.length()).replaceAll("-$", "");
    }
    return b + suffix;
  }

  /** Runs the real kubectl against this control plane and waits for it (at most 2 minutes). */
  public KubectlResult kubectl(String... args) {
    List<String> command = new ArrayList<>();
    command.add(kubectl.toString());
    command.add("--kubeconfig=" + kubeconfig);
    command.addAll(Arrays.asList(args));
    Path out = null;
    Path err = null;
    try {
      out = Files.createTempFile("kubectl-", ".out");
      err = Files.createTempFile("kubectl-", ".err");
      Process p = new ProcessBuilder(command)
          .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile())
          .start();
      if (!p.waitFor(2, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException("kubectl " + String.join(" ", args) + " did not finish in 2 minutes");
      }
      return new KubectlResult(p.exitValue(), Files.readString(out), Files.readString(err));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // a temp file
      }
    }
  }

  /** What a kubectl run printed. */
  public record KubectlResult(int exitCode, String stdout, String stderr) {}

  /** Whether {@link #close()} ran. */
  public boolean isClosed() {
    return closed.get();
  }

  /** Stops the control plane (idempotent); JUnit calls it when the test run ends. */
  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook runs or ran
    }
  }

  private void stop() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    client.close();
    launcher.destroy(); // SIGTERM: the launcher stops its components and removes its data dir
    try {
      if (!launcher.waitFor(20, TimeUnit.SECONDS)) {
        launcher.destroyForcibly(); // its components die with it (Pdeathsig)
        launcher.waitFor(10, TimeUnit.SECONDS);
      }
      launcherStdin.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      launcher.destroyForcibly();
    } catch (IOException ignored) {
      // already gone
    }
  }

  private static String fix(Path projectRoot) {
    return "\nFix: run " + projectRoot.resolve("e2e/control-plane/build")
        + " yourself (it needs Go 1.26+ on PATH and the Go module proxy; e2e/bin/setup-host prepares a Debian host),"
        + " then run the tests again.";
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(cannot read " + file + ": " + e + ")";
    }
  }

  private static java.io.File nullFile() {
    return new java.io.File("/dev/null");
  }

  private static void log(String format, Object... args) {
    System.err.println("[test-support] " + String.format(format, args));
  }
}
