package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Login and logout decisions of one iSCSI target. Volumes of one target share its sessions but hold different
 * volume locks, so whether a session may be logged out (no other volume needs it) is decided, and carried out, under
 * a lock per target IQN, and so is a login that looks for existing sessions: an unstage never logs out a session that
 * a stage has just found and counts on. A call waits for the target (logins take up to a minute and a half per
 * portal), and gives up with ABORTED after a bounded time.
 *
 * <p>A call that attaches a volume without a state record (FormatVolume) registers it with {@link #use} while it
 * runs: its sessions are then needed as much as those of a staged volume.
 *
 * <p>The host's node record database has one more lock ({@link #nodeRecords}), for the whole node: a discovery
 * writes records of every target the portal advertises, so telling which records it added (and deleting the ones
 * no volume asked for) must not interleave with another discovery or a record deletion, whatever their target.
 * It is taken inside a target's lock, never the other way round.
 */
public final class TargetLocks {

  /** How long a call waits for another call's login or logout on the same target. */
  public static final Duration DEFAULT_WAIT = Duration.ofMinutes(2);

  /** The holders' key of the node record lock: no iSCSI name has a space. */
  private static final String NODE_RECORDS = "node records";

  private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final ReentrantLock nodeRecords = new ReentrantLock();
  private final ConcurrentHashMap<String, String> holders = new ConcurrentHashMap<>();
  /** Per target IQN, the volumes attached by calls in progress that have no state record; guarded by this. */
  private final Map<String, Map<String, VolumeSpec>> attaching = new HashMap<>();
  private final Duration wait;

  public TargetLocks() {
    this(DEFAULT_WAIT);
  }

  public TargetLocks(Duration wait) {
    this.wait = wait;
  }

  /** A held lock or registration; close releases it. */
  public interface Held extends AutoCloseable {
    @Override
    void close();
  }

  /** The target's lock for {@code operation}; ABORTED when another call holds it longer than the wait. */
  public Held acquire(String iqn, String operation) {
    return acquire(locks.computeIfAbsent(iqn, k -> new ReentrantLock()), iqn, "iSCSI target " + iqn, operation);
  }

  /** The node record database's lock for {@code operation}; ABORTED when another call holds it longer than the wait. */
  public Held nodeRecords(String operation) {
    return acquire(nodeRecords, NODE_RECORDS, "the iSCSI node records", operation);
  }

  private Held acquire(ReentrantLock lock, String key, String what, String operation) {
    boolean locked;
    try {
      locked = lock.tryLock(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      locked = false;
    }
    if (!locked) {
      throw NodeException.aborted(
          what + " is busy on this node (" + holders.getOrDefault(key, "another call") + ") for more than "
              + wait.toSeconds() + " s; " + operation + " will be retried");
    }
    if (lock.getHoldCount() == 1) {
      holders.put(key, operation);
    }
    return once(() -> {
      if (lock.getHoldCount() == 1) {
        holders.remove(key);
      }
      lock.unlock();
    });
  }

  /** Registers {@code spec} as attached by a call in progress, until closed. */
  public synchronized Held use(VolumeSpec spec) {
    String iqn = spec.getTarget().getIqn();
    attaching.computeIfAbsent(iqn, k -> new LinkedHashMap<>()).put(spec.getVolumeId(), spec);
    return once(() -> {
      synchronized (this) {
        Map<String, VolumeSpec> specs = attaching.get(iqn);
        specs.remove(spec.getVolumeId());
        if (specs.isEmpty()) {
          attaching.remove(iqn);
        }
      }
    });
  }

  /** The volumes of the target that calls in progress have attached without a state record. */
  public synchronized List<VolumeSpec> attaching(String iqn) {
    return List.copyOf(attaching.getOrDefault(iqn, Map.of()).values());
  }

  private static Held once(Runnable release) {
    return new Held() {
      private boolean closed;

      @Override
      public void close() {
        if (!closed) {
          closed = true;
          release.run();
        }
      }
    };
  }
}
