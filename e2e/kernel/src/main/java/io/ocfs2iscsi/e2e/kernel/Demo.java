package io.ocfs2iscsi.e2e.kernel;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The demo (e2e/kernel/demo, started by e2e/bin/demo): the whole system on one machine, see {@link SystemDemo}.
 * Every step is printed with its time since the start and its duration; the numbers end up in
 * e2e/target/demo-report.json, printed last. Exit code 0 only when every check held.
 */
public final class Demo {

  private Demo() {}

  /** Prints numbered steps with the time since the demo started and how long each took; records them. */
  public static final class Steps {
    private final long start = System.nanoTime();
    private final Report report;
    private final String section;
    private int n;

    public Steps(Report report) {
      this(report, "demo_steps_seconds");
    }

    /** Steps whose durations go to the report's section {@code section}. */
    public Steps(Report report, String section) {
      this.report = report;
      this.section = section;
    }

    public <T> T step(String title, Callable<T> body) throws Exception {
      n++;
      long t = System.nanoTime();
      System.out.printf(Locale.ROOT, "[%6.1f s] %2d. %s%n", since(start), n, title);
      T result = body.call();
      double took = since(t);
      System.out.printf(Locale.ROOT, "           %s done in %.1f s%n", " ".repeat(String.valueOf(n).length()), took);
      report.put(section, String.format(Locale.ROOT, "%02d %s", n, title), Report.round(took));
      return result;
    }

    public void say(String text) {
      for (String line : text.split("\n")) {
        System.out.println("             " + line);
      }
    }

    static double since(long nanos) {
      return (System.nanoTime() - nanos) / 1e9;
    }
  }

  /** What the demo runs: the cluster path, or the faster path where the demo plays kubelet. */
  interface Run extends AutoCloseable {
    void run() throws Exception;

    String diagnostics();

    @Override
    void close();
  }

  public static void main(String[] args) throws Exception {
    boolean playKubelet = List.of(args).contains("--play-kubelet");
    Path work = TestBed.repoRoot().resolve("e2e/target/demo");
    Report report = new Report();
    Steps steps = new Steps(report);
    int rc = 0;
    Run demo = playKubelet ? new SystemDemo(steps, report, work) : new ClusterRun(steps, report, work);
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
      report.put("demo", "total_seconds", Report.round(Steps.since(steps.start)));
      Path file = report.write(TestBed.repoRoot().resolve("e2e/target/demo-report.json"));
      System.out.println("\nreport " + file + ":\n" + report.json());
    }
    System.exit(rc);
  }

  static void check(boolean ok, String message) {
    if (!ok) {
      throw new IllegalStateException(message);
    }
  }
}
