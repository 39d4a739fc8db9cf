package io.ocfs2iscsi.operator.agent;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A node agent failure, said in one line for a status message or an event. */
public final class AgentErrors {

  private AgentErrors() {}

  public static String describe(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && !(cause instanceof StatusRuntimeException)) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusRuntimeException sre) {
      Status s = sre.getStatus();
      return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }
}
