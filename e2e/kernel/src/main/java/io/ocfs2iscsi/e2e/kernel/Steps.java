package io.ocfs2iscsi.e2e.kernel;

import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * The steps of a demo or a user-path run: each printed, numbered, with the time since the start and how long it took,
 * and recorded in a {@link Report} section.
 */
public final class Steps {

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

  /** Seconds since these steps began. */
  double elapsed() {
    return since(start);
  }
}
