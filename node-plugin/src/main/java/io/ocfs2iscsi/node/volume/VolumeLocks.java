package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lock per volume (not reentrant: an operation never nests another on the same volume). kubelet and the
 * operator retry; a second operation on a volume that is still busy with another call is refused at once with
 * ABORTED (as the CSI spec asks) instead of queueing behind a login or mkfs.
 *
 * <p>Background work (the path repairer) holds a volume only briefly and must never make a call fail: a call that
 * finds the volume held by background work waits for it (bounded), and is refused only if it is still held then.
 * Seen on real kernels: a repeated NodeStageVolume failed with ABORTED because the repairer's 30 s round was
 * checking the same volume.
 */
public final class VolumeLocks {

  /** How long a call waits for background work on its volume. */
  public static final Duration DEFAULT_BACKGROUND_WAIT = Duration.ofSeconds(60);
  static final String BACKGROUND = "background";

  /** The holder of one volume's lock (null: free); guarded by the slot's monitor. */
  private static final class Slot {
    String holder;
  }

  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final Duration backgroundWait;

  public VolumeLocks() {
    this(DEFAULT_BACKGROUND_WAIT);
  }

  public VolumeLocks(Duration backgroundWait) {
    this.backgroundWait = backgroundWait;
  }

  /** A held lock; close releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** For a call: the lock, after waiting for background work if that holds it; ABORTED if another call holds it. */
  public Held acquire(String volumeId, String operation) {
    Slot slot = slots.computeIfAbsent(volumeId, k -> new Slot());
    long deadline = System.nanoTime() + backgroundWait.toNanos();
    synchronized (slot) {
      while (BACKGROUND.equals(slot.holder)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          break;
        }
        try {
          slot.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (slot.holder != null) {
        throw NodeException.aborted(
            "an operation on volume " + volumeId + " is already in progress on this node (" + slot.holder + "); "
                + operation + " will be retried");
      }
      slot.holder = operation;
    }
    return release(slot);
  }

  /** For background work: null when the volume is busy. */
  public Held tryAcquire(String volumeId) {
    Slot slot = slots.computeIfAbsent(volumeId, k -> new Slot());
    synchronized (slot) {
      if (slot.holder != null) {
        return null;
      }
      slot.holder = BACKGROUND;
    }
    return release(slot);
  }

  private static Held release(Slot slot) {
    return new Held() {
      private boolean closed;

      @Override
      public void close() {
        synchronized (slot) {
          if (!closed) {
            closed = true;
            slot.holder = null;
            slot.notifyAll();
          }
        }
      }
    };
  }
}
