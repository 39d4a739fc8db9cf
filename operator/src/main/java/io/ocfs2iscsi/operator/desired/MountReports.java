package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the nodes themselves last said about their mounts of a cluster's volumes, as the volumes' health polls
 * recorded it in {@code status.nodes}. Only the node can say it unmounted: an agent that does not answer, or a poll
 * from before it left the cluster, proves nothing, because a node cut off from the network may still mount the
 * filesystem and write its disk heartbeat.
 */
public final class MountReports {

  private MountReports() {}

  public enum Report {
    /** Some volume's last poll of the node found it mounted. */
    MOUNTED,
    /** Every formatted volume polled the node after it left the cluster, and it answered: not mounted. */
    UNMOUNTED,
    /** The node did not answer, or has not been asked since it left. */
    UNKNOWN
  }

  /** What one volume's status says about each node it lists. */
  public static Map<String, Report> reportsOf(IscsiSharedVolume volume) {
    Map<String, Report> out = new LinkedHashMap<>();
    if (volume.getStatus() == null) {
      return out;
    }
    for (NodeVolumeStatus n : volume.getStatus().getNodes()) {
      Report r;
      if (Boolean.TRUE.equals(n.getMounted())) {
        r = Report.MOUNTED;
      } else if (Boolean.TRUE.equals(n.getHeld()) && Boolean.FALSE.equals(n.getMounted())) {
        r = Report.UNMOUNTED;
      } else {
        r = Report.UNKNOWN;
      }
      out.put(n.getNode(), r);
    }
    return out;
  }

  /**
   * Each node's report over all volumes of its cluster: MOUNTED if any volume saw it mounted; UNMOUNTED only if every
   * formatted volume has its answer, given after it left, that it does not mount it (a volume never formatted was
   * never published, so no node can mount it); else UNKNOWN.
   */
  public static Map<String, Report> of(Collection<String> nodes, Collection<IscsiSharedVolume> volumesOfCluster) {
    List<Map<String, Report>> perVolume = new ArrayList<>();
    List<Boolean> formattedVolumes = new ArrayList<>();
    for (IscsiSharedVolume v : volumesOfCluster) {
      perVolume.add(reportsOf(v));
      formattedVolumes.add(v.getStatus() != null && v.getStatus().getFormatted() != null);
    }
    Map<String, Report> out = new LinkedHashMap<>();
    for (String node : nodes) {
      Report combined = Report.UNMOUNTED;
      for (int i = 0; i < perVolume.size(); i++) {
        Report r = perVolume.get(i).getOrDefault(node, Report.UNKNOWN);
        boolean formatted = formattedVolumes.get(i);
        if (r == Report.MOUNTED) {
          combined = Report.MOUNTED;
          break;
        }
        if (formatted && r == Report.UNKNOWN) {
          combined = Report.UNKNOWN;
        }
      }
      out.put(node, combined);
    }
    return out;
  }
}
