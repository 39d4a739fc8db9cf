package io.ocfs2iscsi.e2e.kernel;

import java.nio.file.Path;

/**
 * The user's path on a real cluster, from nothing: the bundle built or reused, the cluster started
 * ({@link KubeCluster}), the README install and then the cluster stacks asked for: the examples on o2cb through the
 * nine steps ({@link UserPath}), the user stack on the test bed's second LUN ({@link UserStackPath}), or both (o2cb
 * first, then its volume removed: one kernel runs one stack at a time). Run by the demo and by {@code UserPathTest}.
 */
final class ClusterRun implements DemoRun {

  /** Which cluster stacks the run shows. */
  enum Stacks {
    O2CB, USER, BOTH;

    /** The demo's {@code --stack o2cb|user|both} (o2cb when absent). */
    static Stacks of(java.util.List<String> args) {
      int i = args.indexOf("--stack");
      if (i < 0) {
        return O2CB;
      }
      String v = i + 1 < args.size() ? args.get(i + 1) : "";
      return switch (v) {
        case "o2cb" -> O2CB;
        case "user" -> USER;
        case "both" -> BOTH;
        default -> throw new IllegalArgumentException("--stack must be o2cb, user or both, got '" + v + "'");
      };
    }
  }

  private final Steps steps;
  private final Report report;
  private final Path work;
  private final Stacks stacks;
  private KubeCluster cluster;

  ClusterRun(Steps steps, Report report, Path work, Stacks stacks) {
    this.steps = steps;
    this.report = report;
    this.work = work;
    this.stacks = stacks;
  }

  @Override
  public void run() throws Exception {
    KubeCluster.Bundle bundle = steps.step("build or reuse: kubelet, kube-proxy, containerd, helm, the pause,"
        + " busybox, operator and node-plugin images", () -> KubeCluster.buildBundle(work));
    boolean user = stacks != Stacks.O2CB;
    cluster = steps.step("boot two real-kernel nodes with the SAN" + (user ? " (and its second LUN)" : "")
        + ", start the control plane, join the nodes (containerd, kubelet, kube-proxy)",
        () -> KubeCluster.start(bundle, work, steps::say, user));
    steps.say(cluster.kubectlOk("get", "nodes", "-o", "wide"));
    UserPath path = new UserPath(cluster, steps, report);
    path.installSteps();
    if (stacks != Stacks.USER) {
      path.o2cbSteps();
    }
    if (stacks == Stacks.BOTH) {
      path.removeExamples();
    }
    if (user) {
      new UserStackPath(cluster, steps, report, work).run();
    }
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
