package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every CSI Node call answers within a bound, even when a host command it runs never returns. A umount of an OCFS2
 * filesystem whose SAN is gone sits in uninterruptible sleep (measured: NodeUnstageVolume did not answer for 210 s,
 * until o2cb fenced the node), and no signal ends such a process, so killing it would not give the caller an answer
 * either. The work runs on a thread of its own; the call waits for it until its bound (the caller's deadline less a
 * margin, at most {@link #DEFAULT_ANSWER_WITHIN}) and then answers DEADLINE_EXCEEDED, which kubelet treats as "still
 * in progress" and retries. The work goes on in the background, holding its volume's lock. A retry of the same call
 * (same operation, equal request) joins the work that still runs instead of starting a second umount behind the
 * first one; once the work has ended, the next call starts afresh (every operation is idempotent).
 */
public final class BoundedCalls implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BoundedCalls.class);

  /**
   * The longest a call waits when its caller set no shorter deadline: below kubelet's 2-minute timeout of the
   * CSI volume calls, above a healthy stage's worst case (a slow udev and multipathd, 40 s each at most).
   */
  public static final Duration DEFAULT_ANSWER_WITHIN = Duration.ofSeconds(90);
  /** Time kept back from the caller's deadline so that the plugin's own answer arrives first. */
  static final Duration MARGIN = Duration.ofSeconds(1);

  private final Duration answerWithin;
  private final ConcurrentHashMap<Key, CompletableFuture<Object>> running = new ConcurrentHashMap<>();

  /** The same call: the same operation with an equal request (kubelet's retries repeat the request as it was). */
  private record Key(String operation, Object request) {}
  private final ExecutorService workers;

  public BoundedCalls() {
    this(DEFAULT_ANSWER_WITHIN);
  }

  public BoundedCalls(Duration answerWithin) {
    this.answerWithin = answerWithin;
    AtomicInteger n = new AtomicInteger();
    this.workers = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "csi-call-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /**
   * {@code work}'s result, or the failure it ended with; DEADLINE_EXCEEDED when it still runs at the bound.
   *
   * @param request the call's request, compared by value (protobuf messages are): only an equal call joins
   * @param callerLeft the time left until the caller's deadline, if it set one
   */
  @SuppressWarnings("unchecked")
  public <T> T run(
      String operation, String volumeId, String path, Object request, Optional<Duration> callerLeft,
      Supplier<T> work) {
    Key key = new Key(operation, request);
    CompletableFuture<Object> started = new CompletableFuture<>();
    CompletableFuture<Object> ongoing = running.putIfAbsent(key, started);
    if (ongoing == null) {
      ongoing = started;
      workers.execute(() -> {
        Object result = null;
        Throwable failure = null;
        try {
          result = work.get();
        } catch (Throwable t) {
          failure = t;
        }
        // Gone from the running calls before it answers: a call that comes after the work ended starts afresh
        // instead of getting this (by then stale) answer.
        running.remove(key, started);
        if (failure == null) {
          started.complete(result);
        } else {
          started.completeExceptionally(failure);
        }
      });
    } else {
      LOG.info("{} of volume {} at {}: joins the same call that still runs", operation, volumeId, path);
    }
    Duration bound = bound(callerLeft);
    try {
      return (T) ongoing.get(bound.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      LOG.warn("{} of volume {} at {}: no answer after {} s, it goes on in the background", operation, volumeId,
          path, bound.toSeconds());
      throw new NodeException(NodeException.Code.DEADLINE_EXCEEDED, operation + " of volume " + volumeId
          + " still runs after " + bound.toMillis() + " ms (a host command does not return: a umount or mount whose"
          + " SAN is unreachable waits in the kernel until the SAN answers or o2cb fences the node); it goes on in"
          + " the background and a retry waits for it");
    } catch (ExecutionException e) {
      throw TaskFailures.rethrow(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new NodeException(NodeException.Code.CANCELLED, operation + " of volume " + volumeId
          + ": interrupted while waiting; the work goes on in the background");
    }
  }

  Duration bound(Optional<Duration> callerLeft) {
    if (callerLeft.isEmpty()) {
      return answerWithin;
    }
    Duration left = callerLeft.get().minus(MARGIN);
    if (left.isNegative()) {
      left = Duration.ZERO;
    }
    return left.compareTo(answerWithin) < 0 ? left : answerWithin;
  }

  @Override
  public void close() {
    workers.shutdownNow();
  }
}
