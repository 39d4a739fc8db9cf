package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.contract.Sha256;
import java.util.regex.Pattern;

/**
 * A member's SCSI-3 persistent reservation key: the high 32 bits name the cluster (the first 4 bytes of the SHA-256
 * of its name), the low 32 bits are the member's corosync node id (1..255). Both are stable across reboots, so a node
 * registers the same key after a restart, and a survivor computes the key of a failed member from the node id
 * dlm_controld gives its fence agent. The key is never 0 (SPC: 0 means "no key").
 */
public record ReservationKey(long value) {

  public static final int NODE_ID_MIN = 1;
  public static final int NODE_ID_MAX = 255;
  private static final Pattern CLUSTER_KEY = Pattern.compile("^[0-9a-f]{8}$");

  public ReservationKey {
    if (value == 0) {
      throw new IllegalArgumentException("a reservation key must not be 0");
    }
  }

  public static ReservationKey of(String clusterName, int nodeId) {
    if (nodeId < NODE_ID_MIN || nodeId > NODE_ID_MAX) {
      throw new IllegalArgumentException("reservation key: the corosync node id must be " + NODE_ID_MIN + ".."
          + NODE_ID_MAX + ", got " + nodeId);
    }
    return new ReservationKey(Long.parseUnsignedLong(clusterKey(clusterName), 16) << 32 | nodeId);
  }

  /** The cluster's half of every member's key: 8 lowercase hex digits. */
  public static String clusterKey(String clusterName) {
    if (clusterName == null || clusterName.isEmpty()) {
      throw new IllegalArgumentException("reservation key: the cluster name must not be empty");
    }
    String k = Sha256.hexPrefix(clusterName, 4);
    if (!CLUSTER_KEY.matcher(k).matches()) {
      throw new IllegalStateException("cluster key " + k);
    }
    return k;
  }

  /** The form mpathpersist and sg_persist take and print: 0x and lowercase hex without leading zeros. */
  public String hex() {
    return "0x" + Long.toHexString(value);
  }

  /** Parses a key as mpathpersist and sg_persist print it (0x1, 0x6f6300000002). */
  public static ReservationKey parse(String hex) {
    String h = hex.strip();
    if (!h.matches("^0x[0-9a-fA-F]{1,16}$")) {
      throw new IllegalArgumentException("not a reservation key: '" + hex + "'");
    }
    return new ReservationKey(Long.parseUnsignedLong(h.substring(2), 16));
  }

  @Override
  public String toString() {
    return hex();
  }
}
