package io.ocfs2iscsi.operator.validation;

import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.operator.api.v1alpha1.HeartbeatSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.O2cbNetworkSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import java.util.List;

/** The rules of the Ocfs2Cluster CRD schema, in Java, for the operator and the validate command. */
public final class Ocfs2ClusterValidator {

  private Ocfs2ClusterValidator() {}

  public static List<Violation> validate(Ocfs2Cluster cluster) {
    Checks c = new Checks();
    ObjectNameChecks.name(c, cluster.getMetadata());
    Ocfs2ClusterSpec spec = cluster.getSpec();
    if (!c.required("spec", spec)) {
      return c.violations();
    }
    if (c.required("spec.clusterName", spec.getClusterName())) {
      c.pattern("spec.clusterName", spec.getClusterName(), ValueRules.CLUSTER_NAME, ValueRules.CLUSTER_NAME_RULE);
    }
    c.range("spec.port", spec.getPort(), 1, 65535);
    c.pattern("spec.addressCidr", spec.getAddressCidr(), ValueRules.IPV4_CIDR, ValueRules.IPV4_CIDR_RULE);
    HeartbeatSpec hb = spec.getHeartbeat();
    if (hb != null) {
      c.range("spec.heartbeat.deadThreshold", hb.getDeadThreshold(), 3, 1000);
    }
    O2cbNetworkSpec net = spec.getNetwork();
    if (net != null) {
      c.range("spec.network.idleTimeoutMs", net.getIdleTimeoutMs(), 5000, 600000);
      c.range("spec.network.keepaliveDelayMs", net.getKeepaliveDelayMs(), 1000, 600000);
      c.range("spec.network.reconnectDelayMs", net.getReconnectDelayMs(), 2000, 600000);
      if (net.getKeepaliveDelayMs() != null
          && net.getIdleTimeoutMs() != null
          && net.getKeepaliveDelayMs() >= net.getIdleTimeoutMs()) {
        c.add("spec.network", "keepaliveDelayMs must be smaller than idleTimeoutMs (o2net rule)");
      }
    }
    return c.violations();
  }
}
