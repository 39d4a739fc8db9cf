package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Ocfs2ClusterStatus {

  private Long observedGeneration;

  @JsonPropertyDescription("Nodes of the cluster with their stable o2cb numbers, including held numbers.")
  private List<ClusterMemberStatus> members = new ArrayList<>();

  @JsonPropertyDescription("Number of current members (printer column).")
  private Integer memberCount;

  @JsonPropertyDescription("Revision of the member list last sent to the nodes.")
  private String revision;

  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<ClusterMemberStatus> getMembers() {
    return members;
  }

  public void setMembers(List<ClusterMemberStatus> members) {
    this.members = members;
  }

  public Integer getMemberCount() {
    return memberCount;
  }

  public void setMemberCount(Integer memberCount) {
    this.memberCount = memberCount;
  }

  public String getRevision() {
    return revision;
  }

  public void setRevision(String revision) {
    this.revision = revision;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }
}
