package io.ocfs2iscsi.e2e.kernel;

import java.nio.file.Path;

/**
 * The user's path on a real cluster, from nothing: the bundle built or reused, the cluster started
 * ({@link KubeCluster}), the nine steps ({@link UserPath}). Run by the demo and by {@code UserPathTest}.
 */
final class ClusterRun implements DemoRun {

  private final Steps steps;
  private final Report report;
  private final Path work;
  private KubeCluster cluster;

  ClusterRun(Steps steps, Report report, Path work) {
    this.steps = steps;
    this.report = report;
    this.work = work;
  }

  @Override
  public void run() throws Exception {
    KubeCluster.Bundle bundle = steps.step("build or reuse: kubelet, kube-proxy, containerd, helm, the pause,"
        + " busybox, operator and node-plugin images", () -> KubeCluster.buildBundle(work));
    cluster = steps.step("boot two real-kernel nodes with the SAN, start the control plane, join the nodes"
        + " (containerd, kubelet, kube-proxy)", () -> KubeCluster.start(bundle, work, steps::say));
    steps.say(cluster.kubectlOk("get", "nodes", "-o", "wide"));
    new UserPath(cluster, steps, report).run();
  }

  @Override
  public String diagnostics() {
    return cluster == null ? "" : cluster.diagnostics();
  }

  @Override
  public void close() {
    if (cluster != null) {
      cluster.close();
    }
  }
}
