package io.ocfs2iscsi.contract;

/**
 * The o2cb cluster's values: ranges, defaults and name syntax. The same constants feed the Ocfs2Cluster CRD schema
 * (through {@code @Min}/{@code @Max}/{@code @Default} annotations), the operator's validator and the node plugin's
 * ApplyCluster checks, so a manifest the API server accepts is one every node accepts.
 *
 * <p>Where the numbers come from (Linux fs/ocfs2/cluster): the kernel takes a heartbeat dead threshold above
 * {@code O2HB_MIN_DEAD_THRESHOLD} (2) and silently ignores smaller writes, so 3 is the least that takes effect; it has
 * no upper limit short of overflowing {@code 2000 ms * (threshold - 1)} in 32 bits. 1000 (a node declared dead after
 * 1998 s, over half an hour) is far beyond any useful value and is the bound here. The network timeouts are
 * 1..2^32-2 ms in configfs, with idle larger than keepalive; the minimums are the ones o2cb's own configuration tool
 * asks for (idle &gt;= 5000, keepalive &gt;= 1000, reconnect &gt;= 2000), the maximum is ten minutes.
 */
public final class O2cbClusterRules {

  private O2cbClusterRules() {}

  /** o2cb cluster name: the superblock and the DLM domain keep at most 16 bytes. */
  public static final String CLUSTER_NAME = ValueRules.CLUSTER_NAME;
  public static final String CLUSTER_NAME_RULE = ValueRules.CLUSTER_NAME_RULE;

  /** TCP port of o2net between the members. */
  public static final int PORT_MIN = 1;
  public static final int PORT_MAX = 65535;
  public static final int PORT_DEFAULT = 7777;

  /** O2CB_HEARTBEAT_THRESHOLD: a node is dead after (threshold - 1) * 2 s without a disk heartbeat. */
  public static final int DEAD_THRESHOLD_MIN = 3;
  public static final int DEAD_THRESHOLD_MAX = 1000;
  /**
   * The dead time is how long the other nodes pause when a node dies, so it is kept as short as the volumes allow.
   * The rule: (threshold - 1) x 2 s must cover the worst time a path failover blocks I/O (the heartbeat's writes block
   * just as long; a node that misses its heartbeat for the dead time fences itself) plus a margin, see
   * {@link FailoverDefaults}. With the volume defaults that is 22 s + 10 s = 32 s: threshold 17 (o2cb's own default
   * 31, 60 s, would pause the survivors twice as long).
   */
  public static final int DEAD_THRESHOLD_DEFAULT = 17;

  /** O2CB_IDLE_TIMEOUT_MS: a network connection without traffic this long is dead. */
  public static final int IDLE_TIMEOUT_MS_MIN = 5000;
  public static final int IDLE_TIMEOUT_MS_MAX = 600_000;
  public static final int IDLE_TIMEOUT_MS_DEFAULT = 30_000;

  /** O2CB_KEEPALIVE_DELAY_MS: idle time before a keepalive is sent; must stay below the idle timeout. */
  public static final int KEEPALIVE_DELAY_MS_MIN = 1000;
  public static final int KEEPALIVE_DELAY_MS_MAX = 600_000;
  public static final int KEEPALIVE_DELAY_MS_DEFAULT = 2000;

  /** O2CB_RECONNECT_DELAY_MS: delay between connection attempts. */
  public static final int RECONNECT_DELAY_MS_MIN = 2000;
  public static final int RECONNECT_DELAY_MS_MAX = 600_000;
  public static final int RECONNECT_DELAY_MS_DEFAULT = 2000;

  /** o2cb node numbers: 0..254 (255 is O2NM_INVALID_NODE_NUM). */
  public static final int NODE_NUMBER_MIN = 0;
  public static final int NODE_NUMBER_MAX = 254;
}
