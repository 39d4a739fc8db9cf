package io.ocfs2iscsi.node.cluster;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.tools.Mpathpersist;
import io.ocfs2iscsi.node.tools.ReservationKey;
import io.ocfs2iscsi.node.tools.ToolFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Storage fencing of the user stack with SCSI-3 persistent reservations. Before a volume is mounted, this node
 * registers its key on every path of the volume's map, and the first member reserves the LUN WRITE EXCLUSIVE -
 * REGISTRANTS ONLY: from then on only registered members write. The map's alias is listed in {@link #MAPS_DIR} (on the
 * host's /run: a rebooted node has staged nothing), where the fence agent dlm_controld runs on a survivor finds the
 * maps to preempt a failed member's key on. A fenced node's key is gone: its writes fail at the target until it
 * stages again, which registers it anew (after its restart, or after it unmounted).
 */
public final class StorageFencing {

  private static final Logger LOG = LoggerFactory.getLogger(StorageFencing.class);
  public static final String MAPS_DIR = "/run/ocfs2-iscsi/fence-maps";
  public static final String AGENT = "/usr/local/lib/ocfs2-iscsi/fence_ocfs2_iscsi";
  static final String AGENT_RESOURCE = "fence_ocfs2_iscsi";

  private final HostFiles files;
  private final Mpathpersist pr;

  public StorageFencing(HostTools host) {
    this.files = host.files();
    this.pr = new Mpathpersist(host.runner());
  }

  /**
   * Registers {@code key} on the map's paths, reserves the LUN if nobody holds it, lists the map for the agent.
   * {@code mountedHere}: the filesystem is already mounted on this node (a repeated stage). If the key is gone then,
   * another member fenced this node while it kept the mount: its cache and journal are stale (the others recovered
   * its journal), so it must not write again before it unmounted; registering anew would let it.
   */
  public void join(String alias, ReservationKey key, boolean mountedHere) {
    try {
      if (mountedHere && !pr.keys(alias).contains(key)) {
        throw NodeException.failedPrecondition("map " + alias + ": this node was fenced (its reservation key " + key
            + " was preempted by another member) while it kept the volume mounted; it writes again only after it"
            + " unmounted the volume (stop the pods that use it on this node, or reboot the node) and stages it anew");
      }
      pr.registerIgnore(alias, key);
      Optional<Mpathpersist.Reservation> held = pr.reservation(alias);
      if (held.isEmpty()) {
        CommandResult r = pr.reserve(alias, key);
        // Two members staging at once both see no reservation: the second RESERVE meets the first one's.
        held = pr.reservation(alias);
        if (held.isEmpty()) {
          throw new ToolFailure("reserving " + alias + " (type 5) with key " + key, r);
        }
        LOG.info("map {}: reserved (registrants only) with key {}", alias, key);
      }
      if (!held.get().registrantsOnly()) {
        throw NodeException.failedPrecondition("map " + alias + ": the LUN is reserved by key " + held.get().holder()
            + " as '" + held.get().type() + "', not 'Write Exclusive, registrants only': another system reserves"
            + " it; release that reservation, or set spec.userStack.fencing of the Ocfs2Cluster to WaitForRejoin");
      }
    } catch (ToolFailure e) {
      throw NodeException.failedPrecondition("storage fencing (spec.userStack.fencing: PersistentReservation)"
          + " needs SCSI-3 persistent reservations on the LUN: " + e.getMessage() + "; a target without them needs"
          + " spec.userStack.fencing: WaitForRejoin");
    }
    files.writeAtomically(mapFile(alias), key.hex() + "\n", false);
    LOG.info("map {}: registered reservation key {}", alias, key);
  }

  /** The map is no longer this node's to fence on (unstaged); its registration stays harmless: it writes no more. */
  public void leave(String alias) {
    files.deleteIfExists(mapFile(alias));
  }

  /** Writes the fence agent dlm_controld runs; true when it changed. */
  boolean installAgent() {
    String script = agentScript();
    if (files.read(AGENT).filter(script::equals).isPresent()) {
      return false;
    }
    files.writeAtomically(AGENT, script, false);
    files.makeExecutable(AGENT);
    LOG.info("wrote fence agent {}", AGENT);
    return true;
  }

  static String agentScript() {
    try (InputStream in = StorageFencing.class.getResourceAsStream(AGENT_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("fence agent " + AGENT_RESOURCE + " missing from the plugin's jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String mapFile(String alias) {
    return MAPS_DIR + "/" + alias;
  }
}
