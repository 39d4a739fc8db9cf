package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IscsiSharedVolumeStatus {

  private Long observedGeneration;

  @JsonPropertyDescription("WWID of the LUN, discovered on the first node and pinned.")
  private String wwid;

  @JsonPropertyDescription("Set once the LUN carries the volume's OCFS2 filesystem; never cleared.")
  private FormattedStatus formatted;

  @JsonPropertyDescription("Per-node view: sessions, paths, mount and heartbeat.")
  private List<NodeVolumeStatus> nodes = new ArrayList<>();

  @JsonPropertyDescription("Active paths / all paths over every node (printer column).")
  private String paths;

  @JsonPropertyDescription("Nodes that have the filesystem mounted (printer column).")
  private Integer nodesMounted;

  @JsonPropertyDescription("Name of the PersistentVolume published for this volume.")
  private String persistentVolumeName;

  @JsonPropertyDescription("Size of the OCFS2 filesystem in bytes, as the nodes that mount it reported it after the"
      + " last online growth (unset until the volume first grew).")
  private Long filesystemBytes;

  private List<Condition> conditions = new ArrayList<>();

  public Long getObservedGeneration() { return observedGeneration; }

  public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }

  public String getWwid() { return wwid; }

  public void setWwid(String wwid) { this.wwid = wwid; }

  public FormattedStatus getFormatted() { return formatted; }

  public void setFormatted(FormattedStatus formatted) { this.formatted = formatted; }

  public List<NodeVolumeStatus> getNodes() { return nodes; }

  public void setNodes(List<NodeVolumeStatus> nodes) { this.nodes = nodes; }

  public String getPaths() { return paths; }

  public void setPaths(String paths) { this.paths = paths; }

  public Integer getNodesMounted() { return nodesMounted; }

  public void setNodesMounted(Integer nodesMounted) { this.nodesMounted = nodesMounted; }

  public String getPersistentVolumeName() { return persistentVolumeName; }

  public void setPersistentVolumeName(String persistentVolumeName) { this.persistentVolumeName = persistentVolumeName; }

  public Long getFilesystemBytes() { return filesystemBytes; }

  public void setFilesystemBytes(Long filesystemBytes) { this.filesystemBytes = filesystemBytes; }

  public List<Condition> getConditions() { return conditions; }

  public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
}
