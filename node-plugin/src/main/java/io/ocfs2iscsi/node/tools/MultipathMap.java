package io.ocfs2iscsi.node.tools;

import java.util.List;

/** One map of {@code multipath -ll}: its name (the alias), WWID, dm node, vendor/product, features and paths. */
public record MultipathMap(
    String name,
    String wwid,
    String dmDevice,
    String vendor,
    String product,
    String size,
    String features,
    List<MultipathPath> paths) {

  public long pathsUp() {
    return paths.stream().filter(MultipathPath::up).count();
  }

  /** True while the map queues I/O when no path is left (no_path_retry queue, or a count not yet run out). */
  public boolean queueing() {
    return features.contains("queue_if_no_path");
  }
}
