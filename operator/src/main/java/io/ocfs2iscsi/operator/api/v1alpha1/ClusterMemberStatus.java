package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class ClusterMemberStatus {

  /** Lifecycle of a member's o2cb number. */
  public enum State {
    /** Selected, ApplyCluster not yet acknowledged for the current revision. */
    Joining,
    /** Applied the current revision. */
    Applied,
    /** Selected but its node agent did not answer. */
    Unreachable,
    /**
     * No longer selected; its number is held until its Node is gone and the node itself answered that it mounts no
     * volume of the cluster, or it is listed in spec.fencedNodes.
     */
    Held
  }

  private String nodeName;

  @JsonPropertyDescription("Stable o2cb node number, 0-254.")
  private Integer number;

  @JsonPropertyDescription("IPv4 address o2cb uses on the node.")
  private String address;

  private State state;

  @JsonPropertyDescription("Name o2cb knows the node by (its hostname, from the node agent).")
  private String o2cbNodeName;

  @JsonPropertyDescription("host:port the operator reaches the node agent on.")
  private String agentEndpoint;

  @JsonPropertyDescription("Cluster revision this node applied last.")
  private String appliedRevision;

  @JsonPropertyDescription("Why the node is lost (its Node is not Ready, or gone): it may be dead, or cut off and still"
      + " writing its disk heartbeat, so its number stays held until it is back or marked out of service. Absent"
      + " otherwise.")
  private String lost;

  @JsonPropertyDescription("When the node was first seen with the node.kubernetes.io/out-of-service taint: its number"
      + " is released once o2cb's dead time has passed since then. Absent otherwise.")
  private String outOfServiceSince;

  @JsonPropertyDescription("The node's boot id (Node status.nodeInfo.bootID) when it applied the cluster last: a node"
      + " that booted since gets the cluster applied again, it does not bring the one of before its crash online.")
  private String appliedBootId;

  @JsonPropertyDescription("Host prerequisites the node lacks (packages, kernel modules).")
  private List<String> missingPrerequisites = new ArrayList<>();

  public ClusterMemberStatus() {}

  public ClusterMemberStatus(String nodeName, Integer number, String address, State state) {
    this.nodeName = nodeName;
    this.number = number;
    this.address = address;
    this.state = state;
  }

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public Integer getNumber() {
    return number;
  }

  public void setNumber(Integer number) {
    this.number = number;
  }

  public String getAddress() {
    return address;
  }

  public void setAddress(String address) {
    this.address = address;
  }

  public State getState() {
    return state;
  }

  public void setState(State state) {
    this.state = state;
  }

  public String getO2cbNodeName() {
    return o2cbNodeName;
  }

  public void setO2cbNodeName(String o2cbNodeName) {
    this.o2cbNodeName = o2cbNodeName;
  }

  public String getAgentEndpoint() {
    return agentEndpoint;
  }

  public void setAgentEndpoint(String agentEndpoint) {
    this.agentEndpoint = agentEndpoint;
  }

  public String getAppliedRevision() {
    return appliedRevision;
  }

  public void setAppliedRevision(String appliedRevision) {
    this.appliedRevision = appliedRevision;
  }

  public String getAppliedBootId() {
    return appliedBootId;
  }

  public void setAppliedBootId(String appliedBootId) {
    this.appliedBootId = appliedBootId;
  }

  public String getLost() {
    return lost;
  }

  public void setLost(String lost) {
    this.lost = lost;
  }

  public String getOutOfServiceSince() {
    return outOfServiceSince;
  }

  public void setOutOfServiceSince(String outOfServiceSince) {
    this.outOfServiceSince = outOfServiceSince;
  }

  public List<String> getMissingPrerequisites() {
    return missingPrerequisites;
  }

  public void setMissingPrerequisites(List<String> missingPrerequisites) {
    this.missingPrerequisites = missingPrerequisites;
  }
}
