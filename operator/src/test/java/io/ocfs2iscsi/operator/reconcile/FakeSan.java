package io.ocfs2iscsi.operator.reconcile;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test seam: the LUNs behind the fake node agents, shared by all of them like a real SAN. Each LUN is blank, or
 * carries OCFS2 (uuid, label, cluster) or a foreign filesystem. Counts every mkfs, which is what "format once" is
 * about.
 */
final class FakeSan {

  record Filesystem(String type, String uuid, String label, String cluster) {}

  private final Map<String, Filesystem> luns = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> mkfs = new ConcurrentHashMap<>();
  private final AtomicInteger uuids = new AtomicInteger();
  private final Map<String, Long> lunBytes = new ConcurrentHashMap<>();
  private final Map<String, Long> filesystemBytes = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> grows = new ConcurrentHashMap<>();

  private final Map<String, Integer> slots = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> slotChanges = new ConcurrentHashMap<>();

  /** The filesystem's node slots: what mkfs.ocfs2 -N wrote, or what tunefs.ocfs2 -N set later. */
  int slots(String key) {
    return slots.getOrDefault(key, 0);
  }

  /** tunefs.ocfs2 -N; returns the count before. */
  synchronized int setSlots(String key, int n) {
    int before = slots(key);
    slots.put(key, n);
    slotChanges.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    return before;
  }

  int slotChanges(String key) {
    AtomicInteger n = slotChanges.get(key);
    return n == null ? 0 : n.get();
  }

  /** Every LUN starts at this size (the examples' capacity). */
  static final long INITIAL_BYTES = 2L << 30;

  /** The SAN administrator grows the LUN. */
  void growLun(String key, long bytes) {
    lunBytes.put(key, bytes);
  }

  long lunBytes(String key) {
    return lunBytes.getOrDefault(key, INITIAL_BYTES);
  }

  long filesystemBytes(String key) {
    return filesystemBytes.getOrDefault(key, INITIAL_BYTES);
  }

  /** tunefs.ocfs2 -S: the filesystem fills the LUN. */
  synchronized void growFilesystem(String key) {
    filesystemBytes.put(key, lunBytes(key));
    grows.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  int growCount(String key) {
    AtomicInteger n = grows.get(key);
    return n == null ? 0 : n.get();
  }

  static String key(String iqn, int lun) {
    return iqn + "/" + lun;
  }

  synchronized Filesystem probe(String key) {
    return luns.get(key);
  }

  synchronized Filesystem mkfs(String key, String label, String cluster, int nodeSlots) {
    slots.put(key, nodeSlots);
    return mkfs(key, label, cluster);
  }

  synchronized Filesystem mkfs(String key, String label, String cluster) {
    Filesystem fs = new Filesystem("ocfs2", String.format("%08X-0000-4000-8000-%012d", key.hashCode(),
        uuids.incrementAndGet()), label, cluster);
    luns.put(key, fs);
    mkfs.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    return fs;
  }

  void put(String key, Filesystem fs) {
    luns.put(key, fs);
  }

  int mkfsCount(String key) {
    AtomicInteger n = mkfs.get(key);
    return n == null ? 0 : n.get();
  }

  int totalMkfs() {
    return mkfs.values().stream().mapToInt(AtomicInteger::get).sum();
  }
}
