package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.contract.ValueRules;
import java.util.LinkedHashMap;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class Ocfs2ClusterSpec {

  @Required
  @Pattern(O2cbClusterRules.CLUSTER_NAME)
  @JsonPropertyDescription("o2cb cluster name: 1-16 letters, digits or '_'. Recorded in every filesystem of the cluster.")
  private String clusterName;

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

  public String getClusterName() {
    return clusterName;
  }

  public void setClusterName(String clusterName) {
    this.clusterName = clusterName;
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

  public O2cbNetworkSpec getNetwork() {
    return network;
  }

  public void setNetwork(O2cbNetworkSpec network) {
    this.network = network;
  }
}
