package io.ocfs2iscsi.e2e.kernel;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a writer of examples/03-writers.yaml left: its file on the shared volume (one UTC timestamp per second,
 * {@code 2026-12-01T18:00:00Z}) and its container log (a {@code write failed at <timestamp>} line for each write that
 * failed). A pause shows as a gap between consecutive timestamps; the writer sleeps 1 s between writes, so a gap of
 * about 1 s is no pause.
 */
public record WriterLog(List<Instant> writes, List<Instant> failures) {

  static final String FAILED = "write failed at ";

  public static WriterLog parse(String file, String containerLog) {
    List<Instant> writes = new ArrayList<>();
    for (String line : file.split("\n")) {
      Instant t = instant(line.trim());
      if (t != null) {
        writes.add(t);
      }
    }
    List<Instant> failures = new ArrayList<>();
    for (String line : containerLog.split("\n")) {
      int i = line.indexOf(FAILED);
      if (i >= 0) {
        Instant t = instant(line.substring(i + FAILED.length()).trim());
        failures.add(t == null ? Instant.EPOCH : t);
      }
    }
    return new WriterLog(List.copyOf(writes), List.copyOf(failures));
  }

  private static Instant instant(String s) {
    if (s.isEmpty()) {
      return null;
    }
    try {
      return Instant.parse(s);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  public int lines() {
    return writes.size();
  }

  /** The writes and failures between {@code from} and {@code to}; the window's edges count as writes for gaps. */
  public Window window(Instant from, Instant to) {
    List<Instant> in = writes.stream().filter(t -> !t.isBefore(from) && !t.isAfter(to)).toList();
    double longest = 0;
    Instant previous = from;
    for (Instant t : in) {
      longest = Math.max(longest, Duration.between(previous, t).toMillis() / 1000.0);
      previous = t;
    }
    longest = Math.max(longest, Duration.between(previous, to).toMillis() / 1000.0);
    // A failure line without a readable time is counted in every window: a failure is never lost.
    int failed = (int) failures.stream()
        .filter(t -> t.equals(Instant.EPOCH) || (!t.isBefore(from) && !t.isAfter(to))).count();
    return new Window(in.size(), failed, Report.round(longest));
  }

  /** Writes in a window, failed writes, and the longest time without a write (seconds). */
  public record Window(int writes, int failedWrites, double longestGapSeconds) {
    public Window and(Window other) {
      return new Window(writes + other.writes, failedWrites + other.failedWrites,
          Math.max(longestGapSeconds, other.longestGapSeconds));
    }
  }
}
