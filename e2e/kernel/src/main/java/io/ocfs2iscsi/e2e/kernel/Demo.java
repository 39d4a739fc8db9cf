package io.ocfs2iscsi.e2e.kernel;

import java.nio.file.Path;
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
    private int n;

    public Steps(Report report) {
      this.report = report;
    }

    public <T> T step(String title, Callable<T> body) throws Exception {
      n++;
      long t = System.nanoTime();
      System.out.printf(Locale.ROOT, "[%6.1f s] %2d. %s%n", since(start), n, title);
      T result = body.call();
      double took = since(t);
      System.out.printf(Locale.ROOT, "           %s done in %.1f s%n", " ".repeat(String.valueOf(n).length()), took);
      report.put("demo_steps_seconds", String.format(Locale.ROOT, "%02d %s", n, title), Report.round(took));
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

  public static void main(String[] args) throws Exception {
    Path work = TestBed.repoRoot().resolve("e2e/target/demo");
    Report report = new Report();
    Steps steps = new Steps(report);
    int rc = 0;
    SystemDemo demo = new SystemDemo(steps, report, work);
    try {
      demo.run();
      System.out.println("\nDEMO PASSED");
    } catch (Exception | AssertionError e) {
      rc = 1;
      System.out.println("\nDEMO FAILED: " + e);
      System.out.println(demo.diagnostics());
    } finally {
      try {
        steps.step("tear down (operator, guests, target, namespace and host link, control plane)", () -> {
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
