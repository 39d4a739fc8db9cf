package io.ocfs2iscsi.node;

/**
 * A failure with the CSI/gRPC code it must reach the caller with. Messages are for humans: they name what failed
 * and what to do, never contain a secret, and are redacted again before they leave the plugin.
 */
public class NodeException extends RuntimeException {

  /** The gRPC codes this plugin returns (never UNKNOWN). */
  public enum Code {
    INVALID_ARGUMENT,
    NOT_FOUND,
    ALREADY_EXISTS,
    FAILED_PRECONDITION,
    ABORTED,
    UNAVAILABLE,
    INTERNAL,
    /** The caller's deadline passed while the operation ran; what it ran was stopped. */
    DEADLINE_EXCEEDED,
    /** The caller cancelled the call while the operation ran; what it ran was stopped. */
    CANCELLED
  }

  private final Code code;

  public NodeException(Code code, String message) {
    super(message);
    this.code = code;
  }

  public NodeException(Code code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public static NodeException invalidArgument(String message) {
    return new NodeException(Code.INVALID_ARGUMENT, message);
  }

  public static NodeException notFound(String message) {
    return new NodeException(Code.NOT_FOUND, message);
  }

  public static NodeException failedPrecondition(String message) {
    return new NodeException(Code.FAILED_PRECONDITION, message);
  }

  public static NodeException aborted(String message) {
    return new NodeException(Code.ABORTED, message);
  }

  public static NodeException unavailable(String message) {
    return new NodeException(Code.UNAVAILABLE, message);
  }

  public static NodeException internal(String message) {
    return new NodeException(Code.INTERNAL, message);
  }
}
