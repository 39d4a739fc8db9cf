package io.ocfs2iscsi.node.host;

/**
 * What a host command did. {@code exitCode} is the process' exit status; {@link #NOT_FOUND} when the program does
 * not exist and {@link #TIMED_OUT} when it was killed after its timeout.
 */
public record CommandResult(Command command, int exitCode, String stdout, String stderr) {

  /** The shell's convention (and nsenter's) for "program not found". */
  public static final int NOT_FOUND = 127;
  public static final int TIMED_OUT = -1;

  public boolean ok() {
    return exitCode == 0;
  }

  public boolean timedOut() {
    return exitCode == TIMED_OUT;
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
