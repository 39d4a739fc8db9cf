package io.ocfs2iscsi.node.volume;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Wall time of each step of one operation (iscsi_login, wwid, multipath, o2cb, mount), logged as one line at its
 * end, e.g. {@code iscsi_login=1.23s wwid=0.40s multipath=5.10s o2cb=0.05s mount=9.90s total=16.68s}, so that a
 * slow node shows which step is slow (the e2e report reads the same line).
 */
public final class StepTimes {

  private final long start = System.nanoTime();
  private final Map<String, Long> nanos = new LinkedHashMap<>();

  /** Runs {@code step} and adds its duration under {@code name}. */
  public <T> T time(String name, Supplier<T> step) {
    long t = System.nanoTime();
    try {
      return step.get();
    } finally {
      nanos.merge(name, System.nanoTime() - t, Long::sum);
    }
  }

  public void time(String name, Runnable step) {
    time(name, () -> {
      step.run();
      return null;
    });
  }

  /** The steps in order (nanoseconds). */
  public Map<String, Long> steps() {
    return Map.copyOf(nanos);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    nanos.forEach((k, v) -> sb.append(k).append('=').append(seconds(v)).append("s "));
    return sb.append("total=").append(seconds(System.nanoTime() - start)).append('s').toString();
  }

  private static String seconds(long nanos) {
    return String.format(Locale.ROOT, "%.2f", nanos / 1e9);
  }
}
