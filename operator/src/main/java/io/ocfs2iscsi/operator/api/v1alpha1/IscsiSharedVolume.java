package io.ocfs2iscsi.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * A LUN of an HA iSCSI target, reached over every portal through one multipath map, carrying one OCFS2 filesystem
 * that pods on many nodes mount at once through a ReadWriteMany PersistentVolume. Cluster-scoped.
 */
@Group(Ocfs2Cluster.GROUP)
@Version(Ocfs2Cluster.VERSION)
@ShortNames("isv")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Degraded",
    jsonPath = ".status.conditions[?(@.type==\"Degraded\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Paths", jsonPath = ".status.paths", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Nodes mounted",
    jsonPath = ".status.nodesMounted",
    type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// The multipath alias defaults to the resource name, so a name that is no valid alias needs an explicit alias.
@ValidationRule(value = "has(self.spec)", message = "spec is required", fieldPath = ".spec")
@ValidationRule(
    value = "!has(self.spec) || (has(self.spec.multipath) && has(self.spec.multipath.alias)) || self.metadata.name.size() <= 63",
    message = "metadata.name is longer than 63 characters, too long for the default multipath alias: set"
        + " spec.multipath.alias")
public class IscsiSharedVolume extends CustomResource<IscsiSharedVolumeSpec, IscsiSharedVolumeStatus> {

  public static final String KIND = "IscsiSharedVolume";

  /** The multipath alias in effect: spec.multipath.alias, or the resource name. */
  public String effectiveAlias() {
    MultipathSpec mp = getSpec().getMultipath();
    return mp != null && mp.getAlias() != null ? mp.getAlias() : getMetadata().getName();
  }
}
