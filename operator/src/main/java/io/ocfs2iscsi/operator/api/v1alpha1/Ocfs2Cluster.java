package io.ocfs2iscsi.operator.api.v1alpha1;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One o2cb cluster: which nodes join it, their stable node numbers and its timeouts. Cluster-scoped. */
@Group(Ocfs2Cluster.GROUP)
@Version(Ocfs2Cluster.VERSION)
@ShortNames("o2cb")
@AdditionalPrinterColumn(name = "Cluster", jsonPath = ".spec.clusterName", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Members", jsonPath = ".status.memberCount", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(value = "has(self.spec)", message = "spec is required", fieldPath = ".spec")
public class Ocfs2Cluster extends CustomResource<Ocfs2ClusterSpec, Ocfs2ClusterStatus> {

  public static final String GROUP = "ocfs2iscsi.io";
  public static final String VERSION = "v1alpha1";
  public static final String KIND = "Ocfs2Cluster";
}
