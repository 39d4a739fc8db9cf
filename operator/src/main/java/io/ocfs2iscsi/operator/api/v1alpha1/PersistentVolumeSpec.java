package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.ocfs2iscsi.contract.ValueRules;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class PersistentVolumeSpec {

  /** Only Retain: nothing provisions or deletes the LUN, and deleting data is never the operator's call. */
  public enum ReclaimPolicy {
    Retain
  }

  @Pattern(ValueRules.DNS_SUBDOMAIN)
  @JsonPropertyDescription("Name of the PersistentVolume. Default: the IscsiSharedVolume's name.")
  private String name;

  @Required
  @Pattern(ValueRules.CAPACITY)
  @JsonPropertyDescription("Capacity written into the PV (the LUN's usable size, e.g. 20Gi).")
  private String capacity;

  @Default("Retain")
  @JsonPropertyDescription("Retain: deleting the PV or the claim never touches the data.")
  private ReclaimPolicy reclaimPolicy = ReclaimPolicy.Retain;

  @JsonPropertyDescription("storageClassName of the PV and claim (default empty: static binding).")
  private String storageClassName;

  @JsonPropertyDescription("When set, a PersistentVolumeClaim pre-bound to the PV is created here.")
  private ClaimSpec claim;

  public String getName() { return name; }

  public void setName(String name) { this.name = name; }

  public String getCapacity() { return capacity; }

  public void setCapacity(String capacity) { this.capacity = capacity; }

  public ReclaimPolicy getReclaimPolicy() { return reclaimPolicy; }

  public void setReclaimPolicy(ReclaimPolicy reclaimPolicy) { this.reclaimPolicy = reclaimPolicy; }

  public String getStorageClassName() { return storageClassName; }

  public void setStorageClassName(String storageClassName) { this.storageClassName = storageClassName; }

  public ClaimSpec getClaim() { return claim; }

  public void setClaim(ClaimSpec claim) { this.claim = claim; }
}
