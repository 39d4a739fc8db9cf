package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * tunefs.ocfs2. {@code -S} grows a filesystem to the size of its device; on a mounted filesystem it does so online
 * (the kernel links the new cluster groups under a cluster-wide DLM lock, so a second tunefs.ocfs2 on another node
 * fails instead of racing). A filesystem already as large as its device is left alone (exit 0). {@code -N} adds node
 * slots (a journal and the system files of each new slot); unlike {@code -S} it refuses a filesystem that any node
 * of the cluster mounts: it takes the superblock's cluster lock with a trylock, fails with "Trylock failed while
 * opening device" (exit 25) and changes nothing. {@code -Q '%N\n'} prints the slot count from the superblock.
 */
public final class TunefsOcfs2 {

  public static final String PROGRAM = "tunefs.ocfs2";
  /** Growing writes one group descriptor per new cluster group: seconds per TiB, bounded generously. */
  public static final Duration GROW_TIMEOUT = Duration.ofMinutes(10);

  /** Adding slots writes one journal per new slot; bounded generously for a slow SAN. */
  public static final Duration SLOTS_TIMEOUT = Duration.ofMinutes(10);
  public static final Duration QUERY_TIMEOUT = Duration.ofMinutes(1);
  /** OCFS2's limit on node slots (OCFS2_MAX_SLOTS). */
  public static final int MAX_SLOTS = 255;
  /** What tunefs.ocfs2 prints when the filesystem's cluster lock is held: some node mounts it. */
  static final String TRYLOCK_FAILED = "Trylock failed while opening device";

  private final CommandRunner runner;

  public TunefsOcfs2(CommandRunner runner) {
    this.runner = runner;
  }

  /** The device path is the volume's validated map path, /dev/mapper/{alias}. */
  public static List<String> growArgv(String device) {
    return List.of(PROGRAM, "-S", device);
  }

  /** Grows the filesystem on {@code device} to the device's size; online when it is mounted here. */
  public void growToDevice(String device) {
    CommandResult r = runner.run(new Command(growArgv(device), GROW_TIMEOUT));
    if (!r.ok()) {
      throw new ToolFailure("growing the OCFS2 filesystem on " + device + " to the size of the device", r);
    }
  }

  public static List<String> slotsArgv(int slots, String device) {
    return List.of(PROGRAM, "-N", Integer.toString(slots), device);
  }

  public static List<String> querySlotsArgv(String device) {
    return List.of(PROGRAM, "-Q", "%N\\n", device);
  }

  /**
   * Sets the filesystem's node slots to {@code slots} (more than it has; the caller checked). FAILED_PRECONDITION
   * when a node of the cluster mounts the filesystem (tunefs.ocfs2 then changes nothing).
   */
  public void setNodeSlots(int slots, String device) {
    CommandResult r = runner.run(new Command(slotsArgv(slots, device), SLOTS_TIMEOUT));
    if (r.ok()) {
      return;
    }
    if (mountedSomewhere(r)) {
      throw NodeException.failedPrecondition("tunefs.ocfs2 cannot add node slots to the OCFS2 filesystem on "
          + device + " while a node of the cluster mounts it (it said: " + r.complaint() + "); slots are added"
          + " while no node mounts the volume");
    }
    throw new ToolFailure("setting the node slots of the OCFS2 filesystem on " + device + " to " + slots, r);
  }

  /** The slot count in the superblock on {@code device}. */
  public int nodeSlots(String device) {
    CommandResult r = runner.run(new Command(querySlotsArgv(device), QUERY_TIMEOUT));
    if (!r.ok()) {
      throw new ToolFailure("reading the node slots of the OCFS2 filesystem on " + device, r);
    }
    return parseNodeSlots(r.stdout()).orElseThrow(() -> new ToolFailure("reading the node slots of the OCFS2"
        + " filesystem on " + device + " (no count in its output)", r));
  }

  /** The output of {@code -Q '%N\n'}: one number. */
  public static OptionalInt parseNodeSlots(String out) {
    String s = out == null ? "" : out.strip();
    if (!s.matches("[0-9]{1,3}")) {
      return OptionalInt.empty();
    }
    int n = Integer.parseInt(s);
    return n >= 1 && n <= MAX_SLOTS ? OptionalInt.of(n) : OptionalInt.empty();
  }

  /** tunefs.ocfs2's refusal of a filesystem whose cluster lock another holder has (it is mounted somewhere). */
  static boolean mountedSomewhere(CommandResult r) {
    return (r.stderr() + r.stdout()).contains(TRYLOCK_FAILED);
  }
}
