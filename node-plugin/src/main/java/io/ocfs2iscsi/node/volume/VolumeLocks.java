package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.node.NodeException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * One lock per volume (not reentrant: an operation never nests another on the same volume). kubelet and the operator retry; a second operation on a volume that is still busy is
 * refused at once with ABORTED (as the CSI spec asks) instead of queueing behind a login or mkfs.
 */
public final class VolumeLocks {

  private final ConcurrentHashMap<String, Semaphore> locks = new ConcurrentHashMap<>();

  /** A held lock; close releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  public Held acquire(String volumeId, String operation) {
    Semaphore lock = locks.computeIfAbsent(volumeId, k -> new Semaphore(1));
    if (!lock.tryAcquire()) {
      throw NodeException.aborted(
          "an operation on volume " + volumeId + " is already in progress on this node; " + operation
              + " will be retried");
    }
    return lock::release;
  }

  /** For background work: null when the volume is busy. */
  public Held tryAcquire(String volumeId) {
    Semaphore lock = locks.computeIfAbsent(volumeId, k -> new Semaphore(1));
    return lock.tryAcquire() ? lock::release : null;
  }
}
