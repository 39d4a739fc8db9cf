package io.ocfs2iscsi.operator.validation;

import io.ocfs2iscsi.contract.O2cbClusterRules;
import io.ocfs2iscsi.contract.UserStackRules;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.operator.api.v1alpha1.HeartbeatSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.O2cbNetworkSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.UserStackSpec;
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
      c.pattern("spec.clusterName", spec.getClusterName(), O2cbClusterRules.CLUSTER_NAME,
          O2cbClusterRules.CLUSTER_NAME_RULE);
    }
    c.range("spec.port", spec.getPort(), O2cbClusterRules.PORT_MIN, O2cbClusterRules.PORT_MAX);
    UserStackSpec user = spec.getUserStack();
    if (user != null) {
      c.range("spec.userStack.tokenMs", user.getTokenMs(), UserStackRules.TOKEN_MS_MIN, UserStackRules.TOKEN_MS_MAX);
    }
    c.pattern("spec.addressCidr", spec.getAddressCidr(), ValueRules.IPV4_CIDR, ValueRules.IPV4_CIDR_RULE);
    List<String> fenced = spec.getFencedNodes();
    if (fenced != null) {
      c.size("spec.fencedNodes", fenced, 0, O2cbClusterRules.NODE_NUMBER_MAX + 1);
      for (int i = 0; i < fenced.size(); i++) {
        String field = "spec.fencedNodes[" + i + "]";
        if (c.required(field, fenced.get(i))) {
          c.maxLength(field, fenced.get(i), ValueRules.DNS_SUBDOMAIN_MAX_LENGTH);
          c.pattern(field, fenced.get(i), ValueRules.DNS_SUBDOMAIN, ValueRules.DNS_SUBDOMAIN_RULE);
        }
      }
    }
    HeartbeatSpec hb = spec.getHeartbeat();
    if (hb != null) {
      c.range("spec.heartbeat.deadThreshold", hb.getDeadThreshold(), O2cbClusterRules.DEAD_THRESHOLD_MIN,
          O2cbClusterRules.DEAD_THRESHOLD_MAX);
    }
    O2cbNetworkSpec net = spec.getNetwork();
    if (net != null) {
      c.range("spec.network.idleTimeoutMs", net.getIdleTimeoutMs(), O2cbClusterRules.IDLE_TIMEOUT_MS_MIN,
          O2cbClusterRules.IDLE_TIMEOUT_MS_MAX);
      c.range("spec.network.keepaliveDelayMs", net.getKeepaliveDelayMs(), O2cbClusterRules.KEEPALIVE_DELAY_MS_MIN,
          O2cbClusterRules.KEEPALIVE_DELAY_MS_MAX);
      c.range("spec.network.reconnectDelayMs", net.getReconnectDelayMs(), O2cbClusterRules.RECONNECT_DELAY_MS_MIN,
          O2cbClusterRules.RECONNECT_DELAY_MS_MAX);
      if (net.getKeepaliveDelayMs() != null
          && net.getIdleTimeoutMs() != null
          && net.getKeepaliveDelayMs() >= net.getIdleTimeoutMs()) {
        c.add("spec.network", "keepaliveDelayMs must be smaller than idleTimeoutMs (o2net rule)");
      }
    }
    return c.violations();
  }
}
