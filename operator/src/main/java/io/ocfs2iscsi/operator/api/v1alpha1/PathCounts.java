package io.ocfs2iscsi.operator.api.v1alpha1;

public class PathCounts {

  private Integer active = 0;
  private Integer failed = 0;

  public PathCounts() {}

  public PathCounts(Integer active, Integer failed) {
    this.active = active;
    this.failed = failed;
  }

  public Integer getActive() { return active; }

  public void setActive(Integer active) { this.active = active; }

  public Integer getFailed() { return failed; }

  public void setFailed(Integer failed) { this.failed = failed; }
}
