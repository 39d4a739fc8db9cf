package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.ocfs2iscsi.contract.ValueRules;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "self.portals.all(p, self.portals.exists_one(q, q == p))",
    message = "portals must not repeat",
    fieldPath = ".portals")
@ValidationRule(
    value = "!has(self.portalInterfaces) || self.portalInterfaces.all(b, b.portal in self.portals)",
    message = "portalInterfaces: every portal must be one of target.portals",
    fieldPath = ".portalInterfaces")
@ValidationRule(
    value = "!has(self.portalInterfaces)"
        + " || self.portalInterfaces.all(b, self.portalInterfaces.exists_one(c, c.portal == b.portal))",
    message = "portalInterfaces: a portal must not be listed twice",
    fieldPath = ".portalInterfaces")
public class TargetSpec {


  @Required
  @Pattern(ValueRules.IQN)
  @Size(max = ValueRules.IQN_MAX_LENGTH)
  @JsonPropertyDescription("Target IQN, e.g. iqn.2016-02.local.virtual:virtual.vg1.")
  private String iqn;

  @Required
  @Min(0)
  @Max(16383)
  @JsonPropertyDescription("LUN number on the target.")
  private Integer lun;

  @Required
  @Size(min = 1, max = 8)
  @JsonPropertyDescription("Portals as host:port, one session per portal (two in the reference setup).")
  private List<@Pattern(ValueRules.PORTAL) @Size(max = 261) String> portals = new ArrayList<>();

  @Size(max = 8)
  @JsonPropertyDescription("Optional: the node network interface each portal's session is bound to (one NIC per"
      + " SAN). Portals not listed follow the node's routing table.")
  private List<PortalInterface> portalInterfaces;

  @JsonPropertyDescription("Secret with CHAP credentials (keys of kubernetes.io/iscsi-chap secrets); optional.")
  private SecretReference chapSecretRef;

  @JsonPropertyDescription("iSCSI session settings.")
  private SessionSpec session = new SessionSpec();

  public String getIqn() { return iqn; }

  public void setIqn(String iqn) { this.iqn = iqn; }

  public Integer getLun() { return lun; }

  public void setLun(Integer lun) { this.lun = lun; }

  public List<String> getPortals() { return portals; }

  public void setPortals(List<String> portals) { this.portals = portals; }

  public List<PortalInterface> getPortalInterfaces() { return portalInterfaces; }

  public void setPortalInterfaces(List<PortalInterface> portalInterfaces) { this.portalInterfaces = portalInterfaces; }

  public SecretReference getChapSecretRef() { return chapSecretRef; }

  public void setChapSecretRef(SecretReference chapSecretRef) { this.chapSecretRef = chapSecretRef; }

  public SessionSpec getSession() { return session; }

  public void setSession(SessionSpec session) { this.session = session; }
}
