package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeVolumeStatus {

  /** What became of a node that mounted the volume; absent while it is a member as usual. */
  public enum State {
    /**
     * Its Node is not Ready (or gone) and its node agent does not answer: it may be dead, or cut off and still
     * writing. Its o2cb number stays held until it is back or marked out of service.
     */
    Lost
  }

  private String node;

  @JsonPropertyDescription("Lost when the node mounted the volume and is now lost: its Node is not Ready (or gone) and"
      + " its node agent does not answer. Absent otherwise.")
  private State state;

  @JsonPropertyDescription("iSCSI session per portal.")
  private List<SessionStatus> sessions = new ArrayList<>();

  private PathCounts paths = new PathCounts();

  private Boolean mounted;

  @JsonPropertyDescription("True when the filesystem mounted on this node went read-only on its own (OCFS2 remounts it"
      + " after I/O errors or a journal abort): writes there fail until the node unmounts and stages it again."
      + " Absent otherwise.")
  private Boolean readOnly;

  @JsonPropertyDescription("True when the node agent does not answer and the node mounted the volume at its last"
      + " answer. Absent otherwise.")
  private Boolean mountedWhenLastSeen;

  @JsonPropertyDescription("While this node's o2cb disk heartbeat on the volume is not written (SAN unreachable): the"
      + " seconds left before o2cb fences (restarts) the node. Absent otherwise.")
  private Integer fencesInSeconds;

  @JsonPropertyDescription("o2cb disk heartbeat active on this node.")
  private Boolean heartbeat;

  @JsonPropertyDescription("True when the node left the cluster and its o2cb number is held until it answers that it"
      + " does not mount the volume.")
  private Boolean held;

  @JsonPropertyDescription("Problems the node reported, or why it could not be reached.")
  private List<String> problems = new ArrayList<>();

  @JsonPropertyDescription("True when the map's table queues I/O while no path is left (queue_if_no_path); multipathd"
      + " turns it off once noPathRetry runs out. Absent when the node has no map.")
  private Boolean queueIfNoPath;

  @JsonPropertyDescription("no_path_retry as multipathd applies it to the node's map: a count, queue or fail. Absent"
      + " when not known (no map, or no path left).")
  private String noPathRetry;

  public String getNode() { return node; }

  public void setNode(String node) { this.node = node; }

  public State getState() { return state; }

  public void setState(State state) { this.state = state; }

  public List<SessionStatus> getSessions() { return sessions; }

  public void setSessions(List<SessionStatus> sessions) { this.sessions = sessions; }

  public PathCounts getPaths() { return paths; }

  public void setPaths(PathCounts paths) { this.paths = paths; }

  public Boolean getMounted() { return mounted; }

  public void setMounted(Boolean mounted) { this.mounted = mounted; }

  public Boolean getReadOnly() { return readOnly; }

  public void setReadOnly(Boolean readOnly) { this.readOnly = readOnly; }

  public Boolean getMountedWhenLastSeen() { return mountedWhenLastSeen; }

  public void setMountedWhenLastSeen(Boolean mountedWhenLastSeen) { this.mountedWhenLastSeen = mountedWhenLastSeen; }

  public Integer getFencesInSeconds() { return fencesInSeconds; }

  public void setFencesInSeconds(Integer fencesInSeconds) { this.fencesInSeconds = fencesInSeconds; }

  public Boolean getHeartbeat() { return heartbeat; }

  public void setHeartbeat(Boolean heartbeat) { this.heartbeat = heartbeat; }

  public Boolean getHeld() { return held; }

  /** Left null (not false) for members, so their entries stay as they were. */
  public void setHeld(Boolean held) { this.held = held; }

  public Boolean getQueueIfNoPath() { return queueIfNoPath; }

  public void setQueueIfNoPath(Boolean queueIfNoPath) { this.queueIfNoPath = queueIfNoPath; }

  public String getNoPathRetry() { return noPathRetry; }

  public void setNoPathRetry(String noPathRetry) { this.noPathRetry = noPathRetry; }

  public List<String> getProblems() { return problems; }

  public void setProblems(List<String> problems) { this.problems = problems; }
}
