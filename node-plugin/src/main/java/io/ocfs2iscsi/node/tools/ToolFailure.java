package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.CommandResult;

/** A host tool that exited non-zero where success was needed: INTERNAL, with what it said. */
public final class ToolFailure extends NodeException {

  private final transient CommandResult result;

  public ToolFailure(String what, CommandResult result) {
    this(what, result, null);
  }

  /** {@code meaning}: a readable explanation of the exit code, when the tool's codes are known. */
  public ToolFailure(String what, CommandResult result, String meaning) {
    super(Code.INTERNAL, message(what, result, meaning));
    this.result = result;
  }

  public CommandResult result() {
    return result;
  }

  public int exitCode() {
    return result.exitCode();
  }

  private static String message(String what, CommandResult r, String meaning) {
    StringBuilder sb = new StringBuilder(what).append(": `").append(r.command().display()).append("` ");
    if (r.programMissing()) {
      sb.append("could not run (").append(r.command().program()).append(" not installed on the host?)");
    } else if (r.cancelled()) {
      sb.append("was stopped");
    } else if (r.outputLost()) {
      sb.append("ended, but its output could not be read completely");
    } else if (r.timedOut()) {
      sb.append("timed out after ").append(r.command().timeout().toSeconds()).append(" s");
    } else {
      sb.append("exited ").append(r.exitCode());
    }
    if (meaning != null) {
      sb.append(" (").append(meaning).append(")");
    }
    String complaint = r.complaint();
    if (!complaint.isEmpty()) {
      sb.append(": ").append(complaint);
    }
    return sb.toString();
  }
}
