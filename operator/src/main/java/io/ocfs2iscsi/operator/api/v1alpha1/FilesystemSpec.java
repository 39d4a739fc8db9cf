package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.ocfs2iscsi.contract.ValueRules;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class FilesystemSpec {

  public enum BlockSize {
    @JsonProperty("512")
    B512("512"),
    @JsonProperty("1K")
    K1("1K"),
    @JsonProperty("2K")
    K2("2K"),
    @JsonProperty("4K")
    K4("4K");

    private final String value;

    BlockSize(String value) { this.value = value; }

    public String value() { return value; }
  }

  public enum ClusterSize {
    @JsonProperty("4K")
    K4("4K"),
    @JsonProperty("8K")
    K8("8K"),
    @JsonProperty("16K")
    K16("16K"),
    @JsonProperty("32K")
    K32("32K"),
    @JsonProperty("64K")
    K64("64K"),
    @JsonProperty("128K")
    K128("128K"),
    @JsonProperty("256K")
    K256("256K"),
    @JsonProperty("512K")
    K512("512K"),
    @JsonProperty("1M")
    M1("1M");

    private final String value;

    ClusterSize(String value) { this.value = value; }

    public String value() { return value; }
  }

  /** When the operator may run mkfs.ocfs2. */
  public enum FormatPolicy {
    /** Format once, only when no filesystem signature of any kind is on the LUN. */
    IfUnformatted,
    /** Never format: adopt an existing OCFS2 filesystem or wait for one. */
    Never
  }

  /** Who adds node slots when the cluster has more members than the filesystem has slots. */
  public enum NodeSlotsPolicy {
    /** The operator runs tunefs.ocfs2 -N through a member's node agent as soon as no node mounts the volume. */
    Automatic,
    /** The administrator does (the condition NodeSlotsExceeded says how). */
    Manual
  }

  @Required
  @Pattern(ValueRules.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the Ocfs2Cluster whose nodes mount this filesystem.")
  private String clusterRef;

  @Pattern(ValueRules.LABEL)
  @JsonPropertyDescription("Filesystem label (mkfs.ocfs2 -L), at most 16 characters.")
  private String label;

  @Default("4K")
  @JsonPropertyDescription("mkfs.ocfs2 -b.")
  private BlockSize blockSize = BlockSize.K4;

  @Default("32K")
  @JsonPropertyDescription("mkfs.ocfs2 -C; at least the block size.")
  private ClusterSize clusterSize = ClusterSize.K32;

  @Default("4")
  @Min(1)
  @Max(255)
  @JsonPropertyDescription("mkfs.ocfs2 -N: how many nodes may mount at once. Slots are added later (never removed)"
      + " as nodeSlotsPolicy says.")
  private Integer nodeSlots = 4;

  @Default("Automatic")
  @JsonPropertyDescription("When the Ocfs2Cluster has more members than the filesystem has node slots: Automatic adds"
      + " slots (tunefs.ocfs2 -N, up to the member count or nodeSlots if larger) through a member's node agent as"
      + " soon as no node mounts the volume (tunefs.ocfs2 refuses a filesystem mounted anywhere); Manual only"
      + " reports it (condition NodeSlotsExceeded) with the command to run.")
  private NodeSlotsPolicy nodeSlotsPolicy = NodeSlotsPolicy.Automatic;

  @Default("IfUnformatted")
  @JsonPropertyDescription("IfUnformatted formats once on a blank LUN; Never only adopts an existing OCFS2.")
  private FormatPolicy format = FormatPolicy.IfUnformatted;

  @Default("[\"noatime\",\"acl\",\"user_xattr\"]")
  @JsonPropertyDescription("Mount options; _netdev is always added.")
  @Size(max = 32)
  private List<@Pattern(ValueRules.MOUNT_OPTION) @Size(max = 128) String> mountOptions = new ArrayList<>(List.of("noatime", "acl", "user_xattr"));

  public String getClusterRef() { return clusterRef; }

  public void setClusterRef(String clusterRef) { this.clusterRef = clusterRef; }

  public String getLabel() { return label; }

  public void setLabel(String label) { this.label = label; }

  public BlockSize getBlockSize() { return blockSize; }

  public void setBlockSize(BlockSize blockSize) { this.blockSize = blockSize; }

  public ClusterSize getClusterSize() { return clusterSize; }

  public void setClusterSize(ClusterSize clusterSize) { this.clusterSize = clusterSize; }

  public Integer getNodeSlots() { return nodeSlots; }

  public void setNodeSlots(Integer nodeSlots) { this.nodeSlots = nodeSlots; }

  public NodeSlotsPolicy getNodeSlotsPolicy() { return nodeSlotsPolicy; }

  public void setNodeSlotsPolicy(NodeSlotsPolicy nodeSlotsPolicy) { this.nodeSlotsPolicy = nodeSlotsPolicy; }

  public FormatPolicy getFormat() { return format; }

  public void setFormat(FormatPolicy format) { this.format = format; }

  public List<String> getMountOptions() { return mountOptions; }

  public void setMountOptions(List<String> mountOptions) { this.mountOptions = mountOptions; }
}
