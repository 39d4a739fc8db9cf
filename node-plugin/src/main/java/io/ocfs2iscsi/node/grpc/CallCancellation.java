package io.ocfs2iscsi.node.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.ocfs2iscsi.node.host.Cancellation;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A call's gRPC context (its deadline, its cancellation by the client) as the domain's {@link Cancellation}, for
 * as long as the call runs.
 */
final class CallCancellation implements AutoCloseable {

  private final Context context;
  private final Cancellation cancellation;
  private final Context.CancellationListener listener;

  private CallCancellation(Context context) {
    this.context = context;
    Deadline deadline = context.getDeadline();
    this.cancellation = deadline == null
        ? Cancellation.create()
        : Cancellation.withDeadline(Duration.ofNanos(deadline.timeRemaining(TimeUnit.NANOSECONDS)));
    this.listener = c -> cancellation.cancel(reason(c));
    context.addListener(listener, Runnable::run);
  }

  /** The current call's. */
  static CallCancellation ofCurrentCall() {
    return new CallCancellation(Context.current());
  }

  Cancellation cancellation() {
    return cancellation;
  }

  private static Cancellation.Reason reason(Context c) {
    Throwable cause = c.cancellationCause();
    boolean expired = cause instanceof TimeoutException
        || Status.fromThrowable(cause).getCode() == Status.Code.DEADLINE_EXCEEDED
        || (c.getDeadline() != null && c.getDeadline().isExpired());
    return expired ? Cancellation.Reason.DEADLINE_EXCEEDED : Cancellation.Reason.CANCELLED;
  }

  @Override
  public void close() {
    context.removeListener(listener);
  }
}
