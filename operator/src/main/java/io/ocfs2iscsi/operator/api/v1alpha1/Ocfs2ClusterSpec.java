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
import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.contract.ValueRules;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Ocfs2ClusterSpec {

  /** The cluster stack OCFS2 runs on. One kernel runs one stack at a time. */
  public enum Stack {
    /** The kernel's o2cb stack: flock locks cluster-wide, POSIX (fcntl) locks node-local. */
    @JsonProperty("o2cb")
    O2CB,
    /** corosync + dlm_controld on every member: flock and POSIX locks cluster-wide. */
    @JsonProperty("user")
    USER
  }

  @Required
  @Pattern(O2cbClusterRules.CLUSTER_NAME)
  @JsonPropertyDescription("o2cb cluster name: 1-16 letters, digits or '_'. Recorded in every filesystem of the cluster.")
  private String clusterName;

  @Default("o2cb")
  @JsonPropertyDescription("Cluster stack: o2cb (the kernel's; POSIX fcntl locks are node-local) or user (corosync +"
      + " dlm_controld on every member; POSIX locks are cluster-wide). Cannot change while volumes of the cluster are"
      + " formatted: their filesystems record the stack.")
  private Stack stack = Stack.O2CB;

  @JsonPropertyDescription("corosync and dlm_controld settings, used with stack: user.")
  private UserStackSpec userStack = new UserStackSpec();

  @Default("" + O2cbClusterRules.PORT_DEFAULT)
  @Min(O2cbClusterRules.PORT_MIN)
  @Max(O2cbClusterRules.PORT_MAX)
  @JsonPropertyDescription("TCP port o2cb uses between nodes.")
  private Integer port = O2cbClusterRules.PORT_DEFAULT;

  @JsonPropertyDescription("Labels a node must carry to join; empty means every node that runs the node plugin.")
  private Map<String, String> nodeSelector = new LinkedHashMap<>();

  @Pattern(ValueRules.IPV4_CIDR)
  @JsonPropertyDescription(
      "Network o2cb uses (e.g. 10.10.1.0/24): each node's address inside it. Default: the node's InternalIP.")
  private String addressCidr;

  @JsonPropertyDescription("Disk heartbeat settings.")
  private HeartbeatSpec heartbeat = new HeartbeatSpec();

  @JsonPropertyDescription("o2net network timeouts.")
  private O2cbNetworkSpec network = new O2cbNetworkSpec();

  @Size(max = O2cbClusterRules.NODE_NUMBER_MAX + 1)
  @JsonPropertyDescription("Nodes (Node names) an administrator has fenced: powered off, or cut from the SAN, so that"
      + " they can no longer write to any volume. A node that left the cluster keeps its o2cb number until it reports"
      + " every volume unmounted; listing it here releases the number without that report. Remove a node from the"
      + " list once it is back.")
  private List<@Pattern(ValueRules.DNS_SUBDOMAIN) @Size(max = ValueRules.DNS_SUBDOMAIN_MAX_LENGTH) String> fencedNodes =
      new ArrayList<>();

  public String getClusterName() {
    return clusterName;
  }

  public void setClusterName(String clusterName) {
    this.clusterName = clusterName;
  }

  public Stack getStack() {
    return stack;
  }

  public void setStack(Stack stack) {
    this.stack = stack;
  }

  public UserStackSpec getUserStack() {
    return userStack;
  }

  public void setUserStack(UserStackSpec userStack) {
    this.userStack = userStack;
  }

  public Integer getPort() {
    return port;
  }

  public void setPort(Integer port) {
    this.port = port;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public String getAddressCidr() {
    return addressCidr;
  }

  public void setAddressCidr(String addressCidr) {
    this.addressCidr = addressCidr;
  }

  public HeartbeatSpec getHeartbeat() {
    return heartbeat;
  }

  public void setHeartbeat(HeartbeatSpec heartbeat) {
    this.heartbeat = heartbeat;
  }

  public List<String> getFencedNodes() {
    return fencedNodes;
  }

  public void setFencedNodes(List<String> fencedNodes) {
    this.fencedNodes = fencedNodes;
  }

  public O2cbNetworkSpec getNetwork() {
    return network;
  }

  public void setNetwork(O2cbNetworkSpec network) {
    this.network = network;
  }
}
