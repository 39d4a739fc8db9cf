package io.ocfs2iscsi.operator.agent;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.security.cert.CertificateException;

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
      return s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription()) + refusedPeer(s);
    }
    return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
  }

  /** Why this end refused the agent's certificate, when it did: the only local detail worth a status line. */
  private static String refusedPeer(Status s) {
    for (Throwable c = s.getCause(); c != null; c = c.getCause()) {
      if (c instanceof CertificateException && c.getMessage() != null) {
        return " (" + c.getMessage() + ")";
      }
    }
    return "";
  }
}
