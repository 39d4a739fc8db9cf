package io.ocfs2iscsi.e2e.kernel;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** fio in a guest: the benchmark's jobs, their exact command lines, and the figures of fio's JSON output. */
public final class Fio {

  private Fio() {}

  /** One fio job; {@code rwmixread} is the read share of a mixed job, 0 for the others. */
  public record Job(String name, String rw, String blockSize, int iodepth, int rwmixread) {
    public boolean sequential() {
      return rw.equals("read") || rw.equals("write");
    }
  }

  /** The benchmark's jobs: sequential 1 MiB direct, 4 KiB random at queue depth 16, and a 70/30 random mix. */
  public static final List<Job> JOBS = List.of(
      new Job("seq-write-1m", "write", "1M", 1, 0),
      new Job("seq-read-1m", "read", "1M", 1, 0),
      new Job("rand-read-4k-qd16", "randread", "4k", 16, 0),
      new Job("rand-write-4k-qd16", "randwrite", "4k", 16, 0),
      new Job("rand-rw70-4k-qd16", "randrw", "4k", 16, 70));

  /** Where a job runs: a file or block device, the bytes it covers and where they start. */
  public record Target(String filename, String offset, String size) {
    private static final Pattern PATH = Pattern.compile("/[A-Za-z0-9._/~:-]+");
    private static final Pattern AMOUNT = Pattern.compile("[0-9]+[KMG]?");

    public Target {
      if (!PATH.matcher(filename).matches() || filename.contains("..")) {
        throw new IllegalArgumentException("fio filename must be an absolute path of [A-Za-z0-9._/~:-]: " + filename);
      }
      if (!AMOUNT.matcher(offset).matches() || !AMOUNT.matcher(size).matches()) {
        throw new IllegalArgumentException("fio offset and size must be <digits>[KMG]: " + offset + ", " + size);
      }
    }

    public static Target file(String filename, String size) {
      return new Target(filename, "0", size);
    }
  }

  /**
   * The argument vector of a timed run of {@code job} on {@code target}: libaio, O_DIRECT, {@code rampSeconds} not
   * counted, then {@code runtimeSeconds} measured (fio wraps around the target's bytes when it reaches their end).
   */
  public static List<String> argv(Job job, Target target, int runtimeSeconds, int rampSeconds) {
    List<String> a = new ArrayList<>(List.of("fio", "--name=" + job.name(), "--filename=" + target.filename(),
        "--offset=" + target.offset(), "--size=" + target.size(), "--ioengine=libaio", "--direct=1",
        "--rw=" + job.rw(), "--bs=" + job.blockSize(), "--iodepth=" + job.iodepth()));
    if (job.rwmixread() > 0) {
      a.add("--rwmixread=" + job.rwmixread());
    }
    a.addAll(List.of("--time_based", "--runtime=" + runtimeSeconds, "--ramp_time=" + rampSeconds,
        "--fallocate=none", "--group_reporting", "--output-format=json"));
    return a;
  }

  /**
   * The argument vector that writes every byte of {@code target} once (1 MiB direct, no preallocation, fsync at the
   * end): it lays out the benchmark's file, and on a filesystem its rate is the rate of writing a new file.
   */
  public static List<String> fillArgv(Target target, String fallocate) {
    if (!fallocate.equals("none") && !fallocate.equals("native")) {
      throw new IllegalArgumentException("fallocate must be none or native: " + fallocate);
    }
    return List.of("fio", "--name=fill", "--filename=" + target.filename(), "--offset=" + target.offset(),
        "--size=" + target.size(), "--ioengine=libaio", "--direct=1", "--rw=write", "--bs=1M", "--iodepth=1",
        "--fallocate=" + fallocate, "--end_fsync=1", "--group_reporting", "--output-format=json");
  }

  /** Runs fio in {@code node}'s guest and parses its report; fails with fio's output when it did not succeed. */
  public static Result run(TestBed bed, String node, Duration timeout, List<String> argv) {
    TestBed.ExecResult r = bed.exec(node, timeout, argv.toArray(String[]::new));
    if (r.exitCode() != 0) {
      throw new IllegalStateException(node + ": " + String.join(" ", argv) + " exited " + r.exitCode()
          + "\nstdout: " + r.stdout() + "\nstderr: " + r.stderr());
    }
    return Result.parse(r.stdout());
  }

  /** Bytes per second and I/O operations per second, read and written, of one run (all its jobs together). */
  public record Result(double readBytesPerSecond, double readIops, double writeBytesPerSecond, double writeIops) {

    private static final Pattern ERROR = Pattern.compile("\"error\"\\s*:\\s*(\\d+)");
    private static final Pattern BW = Pattern.compile("\"bw_bytes\"\\s*:\\s*(\\d+)");
    private static final Pattern IOPS = Pattern.compile("\"iops\"\\s*:\\s*([0-9.]+)");

    /** Read plus written, in MB/s (10^6 bytes). */
    public double mbPerSecond() {
      return (readBytesPerSecond + writeBytesPerSecond) / 1e6;
    }

    public double iops() {
      return readIops + writeIops;
    }

    /** Two runs at once (two nodes): their rates add up. */
    public Result plus(Result o) {
      return new Result(readBytesPerSecond + o.readBytesPerSecond, readIops + o.readIops,
          writeBytesPerSecond + o.writeBytesPerSecond, writeIops + o.writeIops);
    }

    /** Parses fio's {@code --output-format=json} report of one job (with {@code --group_reporting}). */
    public static Result parse(String json) {
      int jobs = json.indexOf("\"jobs\"");
      if (jobs < 0) {
        throw new IllegalArgumentException("not a fio JSON report (no \"jobs\"): " + abbreviate(json));
      }
      Matcher err = ERROR.matcher(json);
      if (err.find(jobs) && !err.group(1).equals("0")) {
        throw new IllegalArgumentException("fio reported error " + err.group(1) + ": " + abbreviate(json));
      }
      int read = section(json, "read", jobs);
      int write = section(json, "write", read);
      return new Result(number(json, BW, read, write), number(json, IOPS, read, write),
          number(json, BW, write, json.length()), number(json, IOPS, write, json.length()));
    }

    private static int section(String json, String name, int from) {
      Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\\{").matcher(json);
      if (!m.find(from)) {
        throw new IllegalArgumentException("no \"" + name + "\" section in fio's report: " + abbreviate(json));
      }
      return m.end();
    }

    private static double number(String json, Pattern p, int from, int to) {
      Matcher m = p.matcher(json).region(from, to);
      if (!m.find()) {
        throw new IllegalArgumentException("no " + p.pattern() + " in fio's report: " + abbreviate(json));
      }
      return Double.parseDouble(m.group(1));
    }

    private static String abbreviate(String s) {
      return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }
  }
}
