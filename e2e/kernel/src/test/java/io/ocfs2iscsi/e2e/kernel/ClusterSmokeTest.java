package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Two real-kernel guests as nodes of a real cluster ({@code e2e/guest/cluster-smoke}): kubelet and containerd in
 * each guest, Nodes registered by kubelet and Ready, a pod of the locally built busybox image on each node placed
 * by kube-scheduler, its output read through the API server from kubelet, a pod on node1 reaching the pod on node2
 * by the examples' image name, and the operator and node-plugin images built from their Dockerfiles running on the
 * nodes, and through kube-proxy the API server behind the kubernetes Service, a ClusterIP Service and a host
 * port of node2. Needs the jars first ({@code mvn -pl operator,node-plugin -am package -DskipTests}).
 * Tagged {@code harness}, not {@code e2e}: CI runs the full user's path on the same cluster ({@code UserPathTest});
 * this smoke runs with {@code mvn -Pharness -pl e2e/kernel -am test}.
 */
@Tag("harness")
class ClusterSmokeTest {

  @Test
  void twoGuestsBecomeReadyNodesAndRunPods() throws Exception {
    Path root = TestBed.repoRoot();
    Path log = Files.createTempFile(Files.createDirectories(root.resolve("e2e/kernel/target")), "cluster-smoke-", ".log");
    Process p = new ProcessBuilder(root.resolve("e2e/guest/cluster-smoke").toString(), "--mem", "768M")
        .directory(root.toFile())
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    p.getOutputStream().close();
    // Cold, the builds (control plane, kubelet, containerd, guest image) take most of this on 2 cores.
    boolean done = p.waitFor(45, TimeUnit.MINUTES);
    if (!done) {
      p.destroy(); // SIGTERM: the launcher tears down, the control plane stops with the script
      p.waitFor(2, TimeUnit.MINUTES);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    assertThat(done).as("cluster-smoke finished within 45 min; log %s", log).isTrue();
    assertThat(p.exitValue()).as("cluster-smoke exit code; log %s:%n%s", log, out).isZero();
    assertThat(out).contains(
        "hello-node1 (kubectl logs): hello from pod hello-node1 on node node1, pod IP 10.244.1.",
        "hello-node2 (kubectl logs): hello from pod hello-node2 on node node2, pod IP 10.244.2.",
        "3 packets transmitted, 3 packets received, 0% packet loss",
        "operator-image validate (kubectl logs): 2 resources checked, 0 problems",
        "operator-image identity: uid=65532 gid=65532",
        "node-plugin-image tools: nsenter from util-linux",
        // Services through kube-proxy: the API server via the kubernetes Service, a pod and a host port on node2.
        "svc-client (kubectl logs): api 10.0.0.1:443: Client sent an HTTP request to an HTTPS server.",
        ":80: web-node2 on node2",
        "svc-client (kubectl logs): host port 10.10.1.19:19443: hostport-node2 on node2",
        "the API server's certificate verifies with the pod's ca.crt as 10.0.0.1 and kubernetes.default.svc",
        "cluster-smoke: PASS",
        "E2E DONE rc=0");
  }
}
