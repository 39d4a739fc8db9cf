package io.ocfs2iscsi.node.host;

import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The caller of an operation giving up: its deadline passed, or it cancelled the call. The host commands the
 * operation runs are killed when that happens and no new one starts ({@link ProcessCommandRunner}), and the
 * operation answers with the reason instead of carrying on: a mkfs whose caller has given up may be retried by
 * another node once the caller's format Lease lapses.
 *
 * <p>An operation binds its cancellation to the thread that does the work ({@link #bind}); the command runner
 * finds it there, so that not every tool has to pass it along. Work that is bound to none runs with {@link #NONE}.
 */
public final class Cancellation {

  /** Why the caller gave up. */
  public enum Reason {
    DEADLINE_EXCEEDED("the caller's deadline passed"),
    CANCELLED("the caller cancelled the call");

    private final String text;

    Reason(String text) {
      this.text = text;
    }

    public String text() {
      return text;
    }
  }

  /** Never cancelled: background work, and callers that wait as long as it takes. */
  public static final Cancellation NONE = new Cancellation(Long.MAX_VALUE, false);

  private static final ThreadLocal<Cancellation> CURRENT = ThreadLocal.withInitial(() -> NONE);

  private final long deadlineNanos;
  private final boolean cancellable;
  private final List<Runnable> listeners = new ArrayList<>();
  private Reason reason;

  private Cancellation(long deadlineNanos, boolean cancellable) {
    this.deadlineNanos = deadlineNanos;
    this.cancellable = cancellable;
  }

  /** Cancelled only by {@link #cancel}. */
  public static Cancellation create() {
    return new Cancellation(Long.MAX_VALUE, true);
  }

  /** Cancelled by {@link #cancel}, or when {@code remaining} has passed. */
  public static Cancellation withDeadline(Duration remaining) {
    long nanos = Math.max(0, remaining.toNanos());
    long now = System.nanoTime();
    return new Cancellation(nanos >= Long.MAX_VALUE - now ? Long.MAX_VALUE : now + nanos, true);
  }

  /** The cancellation bound to this thread ({@link #NONE} when none is). */
  public static Cancellation current() {
    return CURRENT.get();
  }

  /** Binds this cancellation to the current thread until the returned handle is closed. */
  public Bound bind() {
    Cancellation before = CURRENT.get();
    CURRENT.set(this);
    return () -> CURRENT.set(before);
  }

  /** Gives up with {@code why}; the first reason stays. Runs the registered listeners once. */
  public void cancel(Reason why) {
    List<Runnable> run;
    synchronized (this) {
      if (!cancellable || reason != null) {
        return;
      }
      reason = why;
      run = List.copyOf(listeners);
      listeners.clear();
    }
    run.forEach(Runnable::run);
  }

  /** Why the caller gave up, if it did (a passed deadline counts from the moment it is looked at). */
  public Optional<Reason> reason() {
    if (deadlineNanos != Long.MAX_VALUE && System.nanoTime() - deadlineNanos >= 0) {
      cancel(Reason.DEADLINE_EXCEEDED);
    }
    synchronized (this) {
      return Optional.ofNullable(reason);
    }
  }

  public boolean cancelled() {
    return reason().isPresent();
  }

  /** Time left until the deadline; empty when there is none. */
  public Optional<Duration> remaining() {
    if (deadlineNanos == Long.MAX_VALUE) {
      return Optional.empty();
    }
    return Optional.of(Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())));
  }

  /**
   * Runs {@code listener} when the caller gives up (at once if it already has), until the registration is closed.
   * A passed deadline alone does not run it: whoever waits looks at {@link #remaining} and {@link #reason}.
   */
  public Registration onCancel(Runnable listener) {
    if (!cancellable) {
      return () -> {};
    }
    synchronized (this) {
      if (reason == null) {
        listeners.add(listener);
        return () -> {
          synchronized (this) {
            listeners.remove(listener);
          }
        };
      }
    }
    listener.run();
    return () -> {};
  }

  /** A NodeException (DEADLINE_EXCEEDED or CANCELLED) when the caller gave up; {@code what} names what stopped. */
  public void throwIfCancelled(String what) {
    Optional<Reason> r = reason();
    if (r.isPresent()) {
      throw stopped(what, r.get(), null);
    }
  }

  /**
   * The failure {@code failure} of an operation whose caller gave up, as the caller's reason (the failure then
   * most likely comes from the commands that were killed); {@code failure} itself otherwise.
   */
  public RuntimeException explain(String what, RuntimeException failure) {
    Optional<Reason> r = reason();
    return r.isPresent() ? stopped(what, r.get(), failure) : failure;
  }

  private static NodeException stopped(String what, Reason r, RuntimeException failure) {
    NodeException.Code code =
        r == Reason.DEADLINE_EXCEEDED ? NodeException.Code.DEADLINE_EXCEEDED : NodeException.Code.CANCELLED;
    String message = what + " stopped: " + r.text() + (failure == null ? "" : " (" + failure.getMessage() + ")");
    return failure == null ? new NodeException(code, message) : new NodeException(code, message, failure);
  }

  /** A binding to a thread; closing it restores what was bound before. */
  public interface Bound extends AutoCloseable {
    @Override
    void close();
  }

  /** A registered listener; closing it removes the listener. */
  public interface Registration extends AutoCloseable {
    @Override
    void close();
  }
}
