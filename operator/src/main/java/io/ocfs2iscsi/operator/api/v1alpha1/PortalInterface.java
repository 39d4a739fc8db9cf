package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.ocfs2iscsi.contract.ValueRules;

/** The node's network interface that one portal's iSCSI session must run over. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PortalInterface {

  @Required
  @Pattern(ValueRules.PORTAL)
  @Size(max = 261)
  @JsonPropertyDescription("A portal of target.portals, exactly as listed there.")
  private String portal;

  @Required
  @Pattern(ValueRules.INTERFACE_NAME)
  @Size(min = 1, max = 15)
  @JsonPropertyDescription("Name of the node's network interface for this portal, e.g. eth1 (1-15 characters, no"
      + " '/', ':' or whitespace). Every node that stages the volume must have it; the session is bound to it, so"
      + " the path fails instead of running over another network.")
  @JsonProperty("interface")
  private String iface;

  public PortalInterface() {}

  public PortalInterface(String portal, String iface) {
    this.portal = portal;
    this.iface = iface;
  }

  public String getPortal() { return portal; }

  public void setPortal(String portal) { this.portal = portal; }

  public String getIface() { return iface; }

  public void setIface(String iface) { this.iface = iface; }
}
