package io.ocfs2iscsi.node.host;

/**
 * What a host command did. {@code exitCode} is the process' exit status; {@link #NOT_FOUND} when the program does
 * not exist, {@link #TIMED_OUT} when it was killed after its timeout, {@link #OUTPUT_LOST} when its output could
 * not be read completely (stdout is then empty and stderr says why) and {@link #CANCELLED} when it was killed, or
 * not started, because the caller of the operation gave up.
 */
public record CommandResult(Command command, int exitCode, String stdout, String stderr) {

  /** The shell's convention (and nsenter's) for "program not found". */
  public static final int NOT_FOUND = 127;
  public static final int TIMED_OUT = -1;
  /** The process ended, but its output could not be read to the end: whatever it said is unknown. */
  public static final int OUTPUT_LOST = -2;
  public static final int CANCELLED = -3;

  public boolean ok() {
    return exitCode == 0;
  }

  public boolean timedOut() {
    return exitCode == TIMED_OUT;
  }

  public boolean outputLost() {
    return exitCode == OUTPUT_LOST;
  }

  public boolean cancelled() {
    return exitCode == CANCELLED;
  }

  public boolean programMissing() {
    return exitCode == NOT_FOUND;
  }

  /** stderr, or stdout when the tool wrote its complaint there (several do), trimmed to one readable block. */
  public String complaint() {
    String s = stderr == null || stderr.isBlank() ? stdout : stderr;
    s = s == null ? "" : s.strip();
    return s.length() > 2000 ? s.substring(0, 2000) + "..." : s;
  }
}
