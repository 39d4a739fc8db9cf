package io.ocfs2iscsi.operator.reconcile;

import io.ocfs2iscsi.contract.FormatDeadlines;
import java.time.Duration;
import java.util.Set;

/**
 * Settings the reconcilers share.
 *
 * @param namespace where format Leases live (the operator's namespace)
 * @param identity this operator instance (its pod name), the holder of format Leases
 * @param agentPort TCP port of every node agent
 * @param healthPoll interval of GetVolumeHealth polls
 * @param clusterResync interval at which an Ocfs2Cluster is reconciled without any event
 * @param formatLease how long a format Lease holds without renewal (renewed every third of it while FormatVolume runs)
 * @param agentTimeout deadline of GetNodeInfo, ApplyCluster and GetVolumeHealth
 * @param formatTimeout deadline of FormatVolume (login, map, probe and mkfs.ocfs2); below formatLease
 * @param serverSideApply create PVs and PVCs with server-side apply (off for fabric8's mock server)
 * @param chapSecretNamespaces the only namespaces a volume's chapSecretRef may name (where the chart lets the
 *     operator read Secrets)
 */
public record ReconcileSettings(
    String namespace,
    String identity,
    int agentPort,
    Duration healthPoll,
    Duration clusterResync,
    Duration formatLease,
    Duration agentTimeout,
    Duration formatTimeout,
    boolean serverSideApply,
    Set<String> chapSecretNamespaces) {

  public static final String FIELD_MANAGER = "iscsi-ocfs2-operator";

  public static ReconcileSettings defaults(String namespace, String identity) {
    return new ReconcileSettings(namespace, identity, 9443, Duration.ofSeconds(15), Duration.ofSeconds(60),
        FormatDeadlines.FORMAT_LEASE, Duration.ofSeconds(10), FormatDeadlines.FORMAT_CALL_DEADLINE, true,
        Set.of(namespace));
  }

  public ReconcileSettings withHealthPoll(Duration d) {
    return new ReconcileSettings(namespace, identity, agentPort, d, clusterResync, formatLease, agentTimeout,
        formatTimeout, serverSideApply, chapSecretNamespaces);
  }

  public ReconcileSettings withClusterResync(Duration d) {
    return new ReconcileSettings(namespace, identity, agentPort, healthPoll, d, formatLease, agentTimeout,
        formatTimeout, serverSideApply, chapSecretNamespaces);
  }

  public ReconcileSettings withFormatLease(Duration d) {
    return new ReconcileSettings(namespace, identity, agentPort, healthPoll, clusterResync, d, agentTimeout,
        formatTimeout, serverSideApply, chapSecretNamespaces);
  }

  public ReconcileSettings withAgentPort(int port) {
    return new ReconcileSettings(namespace, identity, port, healthPoll, clusterResync, formatLease, agentTimeout,
        formatTimeout, serverSideApply, chapSecretNamespaces);
  }

  public ReconcileSettings withServerSideApply(boolean ssa) {
    return new ReconcileSettings(namespace, identity, agentPort, healthPoll, clusterResync, formatLease, agentTimeout,
        formatTimeout, ssa, chapSecretNamespaces);
  }

  public ReconcileSettings withChapSecretNamespaces(Set<String> namespaces) {
    return new ReconcileSettings(namespace, identity, agentPort, healthPoll, clusterResync, formatLease, agentTimeout,
        formatTimeout, serverSideApply, Set.copyOf(namespaces));
  }
}
