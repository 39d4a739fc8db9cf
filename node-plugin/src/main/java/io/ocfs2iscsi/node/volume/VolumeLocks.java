package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One lock per volume and one per LUN (target IQN and LUN number), not reentrant: an operation never nests another
 * on the same volume. Operations that change what is on or in front of the LUN (FormatVolume, NodeStageVolume,
 * NodeUnstageVolume) also hold the LUN's lock, so that two volume ids naming the same LUN cannot format or stage it
 * at once on this node. kubelet and the operator retry; an operation that finds its volume or LUN busy with another
 * call is refused at once with ABORTED (as the CSI spec asks) instead of queueing behind a login or mkfs.
 *
 * <p>Background work (the path repairer) holds a volume only briefly and must never make a call fail: a call that
 * finds the volume held by background work waits for it (bounded), and is refused only if it is still held then.
 * Otherwise a repeated NodeStageVolume would fail with ABORTED whenever the repairer's 30 s round happens to be
 * checking the same volume.
 */
public final class VolumeLocks {

  /** How long a call waits for background work on its volume. */
  public static final Duration DEFAULT_BACKGROUND_WAIT = Duration.ofSeconds(60);
  static final String BACKGROUND = "background";

  /** The holder of one lock (null: free); guarded by the slot's monitor. */
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

  /** Held locks; close releases them. */
  public interface Held extends AutoCloseable {
    /**
     * Also takes the lock of the LUN {@code target} names, released with the others; ABORTED when another call
     * holds it (the locks held so far stay held until close).
     */
    void alsoLun(IscsiTarget target);

    @Override
    void close();
  }

  /** For a call: the lock, after waiting for background work if that holds it; ABORTED if another call holds it. */
  public Held acquire(String volumeId, String operation) {
    Holding h = new Holding(operation, operation + " of volume " + volumeId);
    h.take("volume " + volumeId);
    return h;
  }

  /** For a call on the LUN {@code target} names: the volume's lock and the LUN's. */
  public Held acquire(String volumeId, IscsiTarget target, String operation) {
    Held h = acquire(volumeId, operation);
    try {
      h.alsoLun(target);
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
    return h;
  }

  /** For background work: null when the volume is busy. */
  public Held tryAcquire(String volumeId) {
    Slot slot = slots.computeIfAbsent("volume " + volumeId, k -> new Slot());
    synchronized (slot) {
      if (slot.holder != null) {
        return null;
      }
      slot.holder = BACKGROUND;
    }
    Holding h = new Holding(BACKGROUND, BACKGROUND);
    h.taken.add(slot);
    return h;
  }

  static String lunKey(IscsiTarget target) {
    return "LUN " + Integer.toUnsignedString(target.getLun()) + " of " + target.getIqn();
  }

  /** The locks one operation holds. */
  private final class Holding implements Held {
    private final String operation;
    private final String holder;
    private final List<Slot> taken = new ArrayList<>();
    private boolean closed;

    Holding(String operation, String holder) {
      this.operation = operation;
      this.holder = holder;
    }

    @Override
    public void alsoLun(IscsiTarget target) {
      take(lunKey(target));
    }

    void take(String key) {
      Slot slot = slots.computeIfAbsent(key, k -> new Slot());
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
              "an operation on " + key + " is already in progress on this node (" + slot.holder + "); "
                  + operation + " will be retried");
        }
        slot.holder = holder;
      }
      synchronized (this) {
        taken.add(slot);
      }
    }

    @Override
    public void close() {
      List<Slot> release;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        release = List.copyOf(taken);
      }
      for (Slot slot : release) {
        synchronized (slot) {
          slot.holder = null;
          slot.notifyAll();
        }
      }
    }
  }
}
