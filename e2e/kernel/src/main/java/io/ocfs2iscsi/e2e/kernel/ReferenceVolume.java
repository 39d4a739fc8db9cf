package io.ocfs2iscsi.e2e.kernel;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.FailoverDefaults;
import io.ocfs2iscsi.contract.O2cbClusterRules;

/**
 * The reference setup's values (docs: ha-iscsi-ocfs2-client-setup.md) as the operator would send them to the node
 * agent: the o2cb cluster of a test bed's guests and the volumes on the test bed's targets.
 */
public final class ReferenceVolume {

  public static final String CLUSTER = "iscsi";
  /** The reference volume: LUN 1 of the first target, alias mylun. */
  public static final String VOLUME = "mylun";
  public static final String IQN = "iqn.2016-02.local.virtual:virtual.vg1";
  /** A second target's LUN (launch --lun2-size): raw throughput and the foreign-signature case. */
  public static final String VOLUME2 = "otherlun";
  public static final String TARGET2_IQN = "iqn.2016-02.local.virtual:virtual.vg2";
  /** tgt's WWID of target 1 LUN 1 (stable across tgtd restarts). */
  public static final String WWID = "360000000000000000e00000000010001";
  /** tgt's WWID of target 2 LUN 1. */
  public static final String WWID2 = "360000000000000000e00000000020001";

  private ReferenceVolume() {}

  /** o2cb cluster "iscsi" of every guest of {@code bed} (node numbers 1.., management addresses, port 7777). */
  public static ApplyClusterRequest cluster(TestBed bed, String revision) {
    ApplyClusterRequest.Builder b = ApplyClusterRequest.newBuilder()
        .setClusterName(CLUSTER)
        .setPort(7777)
        .setRevision(revision)
        .setTimeouts(O2cbTimeouts.newBuilder()
            .setHeartbeatDeadThreshold(O2cbClusterRules.DEAD_THRESHOLD_DEFAULT).setIdleTimeoutMs(30000)
            .setKeepaliveDelayMs(2000).setReconnectDelayMs(2000));
    int number = 1;
    for (TestBed.Node n : bed.nodes().values()) {
      b.addMembers(ClusterMember.newBuilder().setNodeName(n.name()).setNumber(number++).setAddress(n.mgmtIp()));
    }
    return b.build();
  }

  /**
   * The reference volume on both portals with the product's failover defaults (what the operator sends for a volume
   * that sets none): a silent path is noticed after at most 2 + 2 s of pings, its I/O fails over after the 3 s
   * replacement timeout, and with every path down I/O queues for no_path_retry x polling_interval = 15 x 1 s, which
   * covers a target restart; 22 s in all, below o2cb's dead time ((17 - 1) x 2 s = 32 s) by the 10 s margin.
   */
  public static VolumeSpec volume(String id, String iqn, String alias) {
    return VolumeSpec.newBuilder()
        .setVolumeId(id)
        .setTarget(IscsiTarget.newBuilder().setIqn(iqn).setLun(1)
            .addPortals("192.168.0.180:3260").addPortals("10.20.1.180:3260")
            .setReplacementTimeoutSeconds(FailoverDefaults.REPLACEMENT_TIMEOUT_SECONDS)
            .setNoopOutIntervalSeconds(FailoverDefaults.NOOP_OUT_INTERVAL_SECONDS)
            .setNoopOutTimeoutSeconds(FailoverDefaults.NOOP_OUT_TIMEOUT_SECONDS)
            .setStartup("automatic"))
        .setMultipath(MultipathSettings.newBuilder().setAlias(alias).setPathGroupingPolicy("multibus")
            .setPathSelector("round-robin 0").setPathChecker("tur")
            .setPollingIntervalSeconds(FailoverDefaults.POLLING_INTERVAL_SECONDS)
            .setFailback("immediate").setNoPathRetry(FailoverDefaults.NO_PATH_RETRY))
        .setFilesystem(FilesystemSettings.newBuilder().setClusterName(CLUSTER).setLabel("ISCSI")
            .setBlockSize("4K").setClusterSize("32K").setNodeSlots(4))
        .build();
  }

  /** LUN 1 of the first target. */
  public static VolumeSpec volume() {
    return volume(VOLUME, IQN, VOLUME);
  }

  /** LUN 1 of the second target (a test bed started with a second LUN). */
  public static VolumeSpec volume2() {
    return volume(VOLUME2, TARGET2_IQN, VOLUME2);
  }
}
