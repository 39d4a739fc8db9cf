package io.ocfs2iscsi.node.host;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the host commands that ran and those that failed, per tool (the program's file name) and how they
 * failed, for the plugin's metrics. Only the program's name is kept: never an argument or anything it printed.
 */
public final class CountingCommandRunner implements CommandRunner {

  /** How a command failed. */
  public enum Failure {
    /** It ran and exited non-zero (some tools answer "nothing found" that way: iscsiadm 21, blkid 2). */
    EXIT_CODE,
    TIMED_OUT,
    PROGRAM_MISSING,
    OUTPUT_LOST,
    CANCELLED;

    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    static Failure of(CommandResult r) {
      if (r.timedOut()) {
        return TIMED_OUT;
      } else if (r.programMissing()) {
        return PROGRAM_MISSING;
      } else if (r.outputLost()) {
        return OUTPUT_LOST;
      } else if (r.cancelled()) {
        return CANCELLED;
      }
      return EXIT_CODE;
    }
  }

  /** A tool and how it failed. */
  public record ToolFailure(String tool, Failure failure) implements Comparable<ToolFailure> {
    @Override
    public int compareTo(ToolFailure o) {
      int c = tool.compareTo(o.tool);
      return c != 0 ? c : failure.compareTo(o.failure);
    }
  }

  private final CommandRunner inner;
  private final Map<String, AtomicLong> runs = new ConcurrentHashMap<>();
  private final Map<ToolFailure, AtomicLong> failures = new ConcurrentHashMap<>();

  public CountingCommandRunner(CommandRunner inner) {
    this.inner = inner;
  }

  @Override
  public CommandResult run(Command command) {
    String tool = toolOf(command);
    runs.computeIfAbsent(tool, t -> new AtomicLong()).incrementAndGet();
    CommandResult r = inner.run(command);
    if (!r.ok()) {
      failures.computeIfAbsent(new ToolFailure(tool, Failure.of(r)), f -> new AtomicLong()).incrementAndGet();
    }
    return r;
  }

  /** The program's file name: /lib/udev/scsi_id is scsi_id. */
  static String toolOf(Command command) {
    String program = command.program();
    return program.substring(program.lastIndexOf('/') + 1);
  }

  /** Commands run so far per tool, sorted by tool. */
  public Map<String, Long> runs() {
    Map<String, Long> out = new TreeMap<>();
    runs.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }

  /** Failed commands so far per tool and failure, sorted. */
  public Map<ToolFailure, Long> failures() {
    Map<ToolFailure, Long> out = new TreeMap<>();
    failures.forEach((k, v) -> out.put(k, v.get()));
    return out;
  }
}
