package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class FormattedStatus {

  @JsonPropertyDescription("OCFS2 filesystem UUID.")
  private String uuid;

  @JsonPropertyDescription("Node that ran mkfs.ocfs2 (or that found the existing filesystem).")
  private String node;

  @JsonPropertyDescription("When it was formatted or adopted (RFC 3339).")
  private String time;

  @JsonPropertyDescription("True when an existing OCFS2 filesystem was adopted instead of formatted.")
  private Boolean adopted;

  @JsonPropertyDescription("Cluster stack the filesystem is formatted for (o2cb or user), the cluster's when it was"
      + " formatted or adopted. Absent on volumes formatted before stacks were recorded: o2cb.")
  private String clusterStack;

  @JsonPropertyDescription("Node slots of the filesystem: spec.filesystem.nodeSlots when it was formatted, raised when"
      + " the operator added slots. Absent on volumes formatted before slots were recorded: spec.filesystem.nodeSlots.")
  private Integer nodeSlots;

  public FormattedStatus() {}

  public FormattedStatus(String uuid, String node, String time, Boolean adopted) {
    this.uuid = uuid;
    this.node = node;
    this.time = time;
    this.adopted = adopted;
  }

  public String getUuid() { return uuid; }

  public void setUuid(String uuid) { this.uuid = uuid; }

  public String getNode() { return node; }

  public void setNode(String node) { this.node = node; }

  public String getTime() { return time; }

  public void setTime(String time) { this.time = time; }

  public Boolean getAdopted() { return adopted; }

  public void setAdopted(Boolean adopted) { this.adopted = adopted; }

  public Integer getNodeSlots() { return nodeSlots; }

  public void setNodeSlots(Integer nodeSlots) { this.nodeSlots = nodeSlots; }

  public String getClusterStack() { return clusterStack; }

  public void setClusterStack(String clusterStack) { this.clusterStack = clusterStack; }
}
