package io.ocfs2iscsi.operator.status;

import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What changed between two health polls, as Events: a path lost or back, a node that started or stopped mounting
 * the volume, a filesystem that went read-only, a node agent that stopped or started answering. A steady state
 * yields nothing, so a poll never floods the event stream.
 */
public final class HealthTransitions {

  private HealthTransitions() {}

  public record Transition(boolean warning, VolumeReason reason, String message) {}

  public static List<Transition> between(List<NodeVolumeStatus> before, List<NodeVolumeStatus> after) {
    Map<String, NodeVolumeStatus> old = index(before);
    List<Transition> out = new ArrayList<>();
    for (NodeVolumeStatus now : after) {
      NodeVolumeStatus was = old.get(now.getNode());
      String node = now.getNode();
      boolean wasReachable = was == null || NodeHealthViews.reachable(was);
      boolean wasLost = was != null && NodeHealthViews.lost(was);
      if (NodeHealthViews.lost(now)) {
        if (!wasLost) {
          out.add(new Transition(true, VolumeReason.NodeLost, "node " + node + ": "
              + String.join("; ", now.getProblems())));
        }
        continue;
      }
      if (!NodeHealthViews.reachable(now)) {
        if (wasReachable) {
          out.add(new Transition(true, VolumeReason.NodeUnreachable,
              "node " + node + ": " + String.join("; ", now.getProblems())));
        }
        continue;
      }
      if (wasLost) {
        out.add(new Transition(false, VolumeReason.NodeBack, "node " + node + " is back: its node agent answers"
            + " again"));
      } else if (!wasReachable) {
        out.add(new Transition(false, VolumeReason.NodeReachable, "node " + node + ": node agent answers again"));
      }
      boolean wasMounted = was != null && NodeHealthViews.mounted(was);
      if (NodeHealthViews.mounted(now) && !wasMounted) {
        out.add(new Transition(false, VolumeReason.NodeMounted, "node " + node + " mounted the volume"));
      } else if (!NodeHealthViews.mounted(now) && wasMounted) {
        out.add(new Transition(false, VolumeReason.NodeUnmounted, "node " + node + " no longer mounts the volume"));
      }
      boolean wasFailing = was != null && NodeHealthViews.reachable(was) && NodeHealthViews.heartbeatFailing(was);
      if (NodeHealthViews.heartbeatFailing(now) && !wasFailing) {
        out.add(new Transition(true, VolumeReason.HeartbeatFailing, "node " + node + ": o2cb disk heartbeat not"
            + " written; o2cb fences (restarts) the node in " + now.getFencesInSeconds() + " s unless the SAN answers"
            + " again" + problems(now)));
      } else if (!NodeHealthViews.heartbeatFailing(now) && wasFailing && NodeHealthViews.mounted(now)) {
        out.add(new Transition(false, VolumeReason.HeartbeatBack, "node " + node + ": o2cb disk heartbeat written"
            + " again"));
      }
      boolean wasReadOnly = was != null && NodeHealthViews.reachable(was) && NodeHealthViews.wentReadOnly(was);
      if (NodeHealthViews.wentReadOnly(now) && !wasReadOnly) {
        out.add(new Transition(true, VolumeReason.FilesystemReadOnly, "node " + node + ": the filesystem went"
            + " read-only; writes there fail until the node unmounts and stages it again (see the Ready condition)"));
      }
      // Paths count only while the node mounts the volume before and now (as for Degraded): an orderly unmount
      // takes the map and its paths away, and that is a NodeUnmounted, not a path lost.
      if (was == null || !NodeHealthViews.reachable(was) || !wasMounted || !NodeHealthViews.mounted(now)) {
        continue;
      }
      int failedBefore = was.getPaths().getFailed();
      int failedNow = now.getPaths().getFailed();
      int activeBefore = was.getPaths().getActive();
      int activeNow = now.getPaths().getActive();
      if (failedNow > failedBefore || activeNow < activeBefore) {
        out.add(new Transition(true, VolumeReason.PathLost, "node " + node + ": " + activeNow + " of "
            + (activeNow + failedNow) + " paths active" + problems(now)));
      } else if (failedNow < failedBefore && activeNow > activeBefore) {
        out.add(new Transition(false, VolumeReason.PathBack, "node " + node + ": " + activeNow + " of "
            + (activeNow + failedNow) + " paths active"));
      }
    }
    Map<String, NodeVolumeStatus> current = index(after);
    for (NodeVolumeStatus was : before) {
      if (!current.containsKey(was.getNode()) && NodeHealthViews.lost(was)) {
        out.add(new Transition(false, VolumeReason.NodeGone, "node " + was.getNode() + " is gone from the o2cb"
            + " cluster (marked out of service or fenced): the other nodes recovered its journal and its o2cb number"
            + " is free; it joins as a new member when it is back"));
      } else if (!current.containsKey(was.getNode()) && NodeHealthViews.mounted(was)) {
        out.add(new Transition(false, VolumeReason.NodeLeft, "node " + was.getNode() + " left the cluster"));
      }
    }
    return out;
  }

  /** At most this many nodes' messages in one grouped event; the rest are counted. */
  static final int NODES_PER_EVENT = 5;

  /**
   * One transition per reason of a poll. When many nodes change at once (a volume's first poll on a big cluster,
   * a SAN outage under every node) the event stream gets one event that names the first nodes and counts the rest,
   * not one per node: the first polls of 500 volumes mounted on 50 nodes would otherwise make 25,000 NodeMounted
   * Events, most of the API server's writes (ReconcileBenchmark).
   */
  public static List<Transition> grouped(List<Transition> transitions) {
    Map<VolumeReason, List<Transition>> byReason = new LinkedHashMap<>();
    for (Transition t : transitions) {
      byReason.computeIfAbsent(t.reason(), r -> new ArrayList<>()).add(t);
    }
    List<Transition> out = new ArrayList<>();
    for (List<Transition> same : byReason.values()) {
      if (same.size() == 1) {
        out.add(same.get(0));
        continue;
      }
      String shown = same.stream().limit(NODES_PER_EVENT).map(Transition::message).collect(Collectors.joining("; "));
      String more = same.size() > NODES_PER_EVENT ? "; and " + (same.size() - NODES_PER_EVENT) + " more" : "";
      out.add(new Transition(same.get(0).warning(), same.get(0).reason(), same.size() + " nodes: " + shown + more));
    }
    return out;
  }

  private static String problems(NodeVolumeStatus s) {
    return s.getProblems().isEmpty() ? "" : " (" + String.join("; ", s.getProblems()) + ")";
  }

  private static Map<String, NodeVolumeStatus> index(List<NodeVolumeStatus> list) {
    return list.stream().collect(Collectors.toMap(NodeVolumeStatus::getNode, Function.identity(), (a, b) -> a));
  }
}
