package io.ocfs2iscsi.testsupport;

/** The local control plane could not be built or started; the message says why and how to fix it. */
public final class ControlPlaneUnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ControlPlaneUnavailableException(String message) {
    super(message);
  }

  public ControlPlaneUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
