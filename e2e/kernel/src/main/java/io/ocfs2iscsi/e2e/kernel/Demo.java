package io.ocfs2iscsi.e2e.kernel;

import java.nio.file.Path;
import java.util.List;

/**
 * The demo (e2e/kernel/demo, started by e2e/bin/demo): the whole system on one machine, see {@link SystemDemo}.
 * Every step is printed with its time since the start and its duration; the numbers end up in
 * e2e/target/demo-report.json, printed last. Exit code 0 only when every check held.
 */
public final class Demo {

  private Demo() {}

  public static void main(String[] args) throws Exception {
    boolean playKubelet = List.of(args).contains("--play-kubelet");
    Path work = TestBed.repoRoot().resolve("e2e/target/demo");
    Report report = new Report();
    Steps steps = new Steps(report);
    int rc = 0;
    DemoRun demo = playKubelet ? new SystemDemo(steps, report, work)
        : new ClusterRun(steps, report, work, ClusterRun.Stacks.of(List.of(args)));
    try {
      demo.run();
      System.out.println("\nDEMO PASSED");
    } catch (Exception | AssertionError e) {
      rc = 1;
      System.out.println("\nDEMO FAILED: " + e);
      System.out.println(demo.diagnostics());
    } finally {
      try {
        steps.step("tear down (guests, target, namespace and host link, control plane)", () -> {
          demo.close();
          return null;
        });
      } catch (Exception e) {
        rc = 1;
        System.out.println("teardown failed: " + e);
      }
      report.put("demo", "passed", rc == 0);
      report.put("demo", "total_seconds", Report.round(steps.elapsed()));
      Path file = report.write(TestBed.repoRoot().resolve("e2e/target/demo-report.json"));
      System.out.println("\nreport " + file + ":\n" + report.json());
    }
    System.exit(rc);
  }
}
