package io.ocfs2iscsi.operator.api.v1alpha1;

import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.ocfs2iscsi.contract.ValueRules;

/** The PersistentVolumeClaim the operator creates, pre-bound to the volume's PV. */
public class ClaimSpec {

  @Required
  @Pattern(ValueRules.DNS_LABEL)
  private String namespace;

  @Required
  @Pattern(ValueRules.DNS_SUBDOMAIN)
  private String name;

  public String getNamespace() { return namespace; }

  public void setNamespace(String namespace) { this.namespace = namespace; }

  public String getName() { return name; }

  public void setName(String name) { this.name = name; }
}
