package io.ocfs2iscsi.node.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.SecretRedactor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one table from failures to gRPC status codes. A failure that is not a NodeException (a bug, an I/O error)
 * becomes INTERNAL: grpc-java would otherwise answer UNKNOWN, which no CSI caller can act on.
 */
public final class GrpcErrors {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcErrors.class);

  private final SecretRedactor redactor;

  public GrpcErrors(SecretRedactor redactor) {
    this.redactor = redactor;
  }

  public StatusRuntimeException toStatus(String rpc, Throwable t) {
    if (t instanceof NodeException e) {
      Status s = status(e.code()).withDescription(redactor.redact(e.getMessage()));
      LOG.info("{}: {} {}", rpc, s.getCode(), s.getDescription());
      return s.asRuntimeException();
    }
    String message = redactor.redact(t.getClass().getSimpleName() + ": " + t.getMessage());
    LOG.warn("{}: internal error: {}", rpc, message, t);
    return Status.INTERNAL.withDescription(message).asRuntimeException();
  }

  static Status status(NodeException.Code code) {
    return switch (code) {
      case INVALID_ARGUMENT -> Status.INVALID_ARGUMENT;
      case NOT_FOUND -> Status.NOT_FOUND;
      case ALREADY_EXISTS -> Status.ALREADY_EXISTS;
      case FAILED_PRECONDITION -> Status.FAILED_PRECONDITION;
      case ABORTED -> Status.ABORTED;
      case UNAVAILABLE -> Status.UNAVAILABLE;
      case INTERNAL -> Status.INTERNAL;
      case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED;
      case CANCELLED -> Status.CANCELLED;
    };
  }

  /** Answers a unary call with {@code work}'s result, or with the mapped status of its failure. */
  public <T> void unary(String rpc, StreamObserver<T> observer, Supplier<T> work) {
    T response;
    try {
      response = work.get();
    } catch (RuntimeException | Error e) {
      observer.onError(toStatus(rpc, e));
      if (e instanceof VirtualMachineError vme) {
        throw vme;
      }
      return;
    }
    observer.onNext(response);
    observer.onCompleted();
  }
}
