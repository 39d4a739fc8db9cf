package io.ocfs2iscsi.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** I/O inside guests: a background writer of one file per second, and dd throughput. */
public final class GuestIo {

  private GuestIo() {}

  /**
   * The writer (a constant bash script; directory, count, log and stop file are its arguments): writes file
   * {@code f<i>} of 1 MiB with fsync, logs {@code "<i> <start> <end> <exit code>"} per write, then sleeps 1 s; stops
   * when the stop file exists or after {@code max} files, then logs {@code done}.
   */
  static final String WRITER = String.join("\n",
      "dir=$1 max=$2 log=$3 stop=$4",
      "mkdir -p \"$dir\" || exit 1",
      ": >\"$log\"",
      "for ((i = 1; i <= max; i++)); do",
      "  [[ -e $stop ]] && break",
      "  s=$(date +%s.%N)",
      "  rc=0",
      "  dd if=/dev/zero of=\"$dir/f$i\" bs=64k count=16 conv=fsync status=none 2>>\"$log.err\" || rc=$?",
      "  e=$(date +%s.%N)",
      "  echo \"$i $s $e $rc\" >>\"$log\"",
      "  sleep 1",
      "done",
      "echo done >>\"$log\"");

  /** A writer running in a guest. */
  public record Writer(PluginBed bed, String node, String name, String dir) {
    public Path log() {
      return bed.bed().ctlDir(node).resolve("writer-" + name + ".log");
    }

    Path stopFile() {
      return bed.bed().ctlDir(node).resolve("writer-" + name + ".stop");
    }

    /** Asks the writer to stop and waits for its last line (bounded); returns what it wrote. */
    public Result stop(Duration limit) {
      try {
        Files.writeString(stopFile(), "stop\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      boolean done = Poll.waitFor(limit, Duration.ofMillis(500), () -> result().done());
      if (!done) {
        throw new IllegalStateException("writer " + name + " on " + node + " did not finish within " + limit
            + " (log " + log() + "); " + bed.diagnostics(node));
      }
      return result();
    }

    public Result result() {
      try {
        return Result.parse(Files.exists(log()) ? Files.readString(log(), StandardCharsets.UTF_8) : "");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** One write: start and end (guest clock, seconds) and dd's exit code. */
  public record Write(int index, double start, double end, int exitCode) {
    public double seconds() {
      return end - start;
    }
  }

  public record Result(List<Write> writes, boolean done) {
    private static final Pattern LINE = Pattern.compile("^(\\d+) ([0-9.]+) ([0-9.]+) (\\d+)$");

    static Result parse(String text) {
      List<Write> w = new ArrayList<>();
      boolean done = false;
      for (String line : text.split("\n")) {
        Matcher m = LINE.matcher(line.trim());
        if (m.matches()) {
          w.add(new Write(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)),
              Double.parseDouble(m.group(3)), Integer.parseInt(m.group(4))));
        } else if (line.trim().equals("done")) {
          done = true;
        }
      }
      return new Result(List.copyOf(w), done);
    }

    public long failed() {
      return writes.stream().filter(x -> x.exitCode() != 0).count();
    }

    /** The longest single write (seconds): the I/O pause a writer saw. */
    public double longestWrite() {
      return writes.stream().mapToDouble(Write::seconds).max().orElse(0);
    }

    /** Writes that were in progress at guest time {@code t} or started after it. */
    public List<Write> after(double t) {
      return writes.stream().filter(x -> x.end() >= t).toList();
    }
  }

  /** Starts a writer of one file per second into {@code dir} (a path inside the guest). */
  public static Writer startWriter(PluginBed bed, String node, String name, String dir, int max) {
    Writer w = new Writer(bed, node, name, dir);
    try {
      Files.deleteIfExists(w.stopFile());
      Files.deleteIfExists(w.log());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    bed.bed().spawn(node, "bash", "-c", WRITER, "writer", dir, Integer.toString(max),
        "/ctl/writer-" + name + ".log", "/ctl/writer-" + name + ".stop");
    boolean started = Poll.waitFor(Duration.ofSeconds(60), Duration.ofMillis(300),
        () -> !w.result().writes().isEmpty() || w.result().done());
    if (!started) {
      throw new IllegalStateException("writer " + name + " on " + node + " wrote nothing within 60 s (log "
          + w.log() + ")");
    }
    return w;
  }

  /** The guest's clock (seconds since the epoch), to relate writer lines to fault times. */
  public static double guestClock(PluginBed bed, String node) {
    return Double.parseDouble(bed.run(node, Duration.ofSeconds(20), "date", "+%s.%N").trim());
  }

  /** {@link #dd} {@code runs} times; the rates (MB/s) in run order. The median is the number to report. */
  public static List<Double> ddRuns(PluginBed bed, String node, String path, boolean write, int mib, int runs) {
    List<Double> rates = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      rates.add(dd(bed, node, path, write, mib));
    }
    return rates;
  }

  public static double median(List<Double> values) {
    List<Double> sorted = values.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static final Pattern DD_RATE = Pattern.compile("(\\d+) bytes .* copied, ([0-9.]+) s");

  /**
   * {@code dd} with O_DIRECT; {@code write} true: from /dev/zero to {@code path} (oflag=direct, fsync at the end),
   * false: from {@code path} to /dev/null (iflag=direct). Returns MB/s (10^6 bytes) as dd measured it.
   */
  public static double dd(PluginBed bed, String node, String path, boolean write, int mib) {
    String[] argv = write
        ? new String[] {"dd", "if=/dev/zero", "of=" + path, "bs=1M", "count=" + mib, "oflag=direct", "conv=fsync"}
        : new String[] {"dd", "if=" + path, "of=/dev/null", "bs=1M", "count=" + mib, "iflag=direct"};
    TestBed.ExecResult r = bed.exec(node, Duration.ofMinutes(5), argv);
    if (r.exitCode() != 0) {
      throw new IllegalStateException(node + ": " + String.join(" ", argv) + " exited " + r.exitCode() + ": "
          + r.stderr());
    }
    Matcher m = DD_RATE.matcher(r.stderr());
    if (!m.find()) {
      throw new IllegalStateException("no rate in dd's output: " + r.stderr());
    }
    long bytes = Long.parseLong(m.group(1));
    double seconds = Double.parseDouble(m.group(2));
    return bytes / seconds / 1e6;
  }
}
