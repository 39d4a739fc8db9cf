package io.ocfs2iscsi.operator.run;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import io.ocfs2iscsi.operator.reconcile.EventRecorder;
import io.ocfs2iscsi.operator.reconcile.IscsiSharedVolumeReconciler;
import io.ocfs2iscsi.operator.reconcile.Ocfs2ClusterReconciler;
import io.ocfs2iscsi.operator.reconcile.OperatorMetrics;
import io.ocfs2iscsi.operator.reconcile.ReconcileSettings;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The operator wired together: both reconcilers on one JOSDK Operator, with leader election on a Lease when asked.
 * Tests build it against the mock server or the local control plane with in-process agents.
 */
public final class OperatorRuntime implements AutoCloseable {

  public static final String LEADER_LEASE = "iscsi-ocfs2-operator-leader";

  /**
   * Timings of the leader Lease: a new leader takes over at most {@code lease} after the old one stopped renewing.
   */
  public record LeaderElection(Duration lease, Duration renewDeadline, Duration retryPeriod) {
    /** client-go's defaults, as kube-controller-manager uses them. */
    public static LeaderElection standard() {
      return new LeaderElection(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2));
    }
  }

  private final Operator operator;
  private final OperatorMetrics metrics;
  private final ExecutorService calls;
  private final ScheduledExecutorService renewals;
  private final NodeAgents agents;

  private OperatorRuntime(
      Operator operator, OperatorMetrics metrics, ExecutorService calls, ScheduledExecutorService renewals,
      NodeAgents agents) {
    this.operator = operator;
    this.metrics = metrics;
    this.calls = calls;
    this.renewals = renewals;
    this.agents = agents;
  }

  /**
   * @param leaderElection run only while holding the leader Lease in settings.namespace() (null: always run)
   */
  public static OperatorRuntime create(
      KubernetesClient client, NodeAgents agents, ReconcileSettings settings, LeaderElection leaderElection,
      Clock clock) {
    OperatorMetrics metrics = new OperatorMetrics();
    // Agent calls wait on the network; a bounded pool keeps 500 volumes x 50 nodes from spawning thousands.
    ExecutorService calls = Executors.newFixedThreadPool(32, r -> {
      Thread t = new Thread(r, "agent-call");
      t.setDaemon(true);
      return t;
    });
    // Renews format Leases while FormatVolume calls run; stopped with the runtime, so a stopped instance's Leases
    // expire and another instance can take over.
    ScheduledExecutorService renewals = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "format-lease-renewal");
      t.setDaemon(true);
      return t;
    });
    Operator operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withMetrics(metrics)
          .withCloseClientOnStop(false)
          .withUseSSAToPatchPrimaryResource(settings.serverSideApply())
          .withSSABasedCreateUpdateMatchForDependentResources(settings.serverSideApply())
          .withConcurrentReconciliationThreads(16)
          .withReconciliationTerminationTimeout(Duration.ofSeconds(5));
      if (leaderElection != null) {
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(LEADER_LEASE, settings.namespace(),
            leaderElection.lease(), leaderElection.renewDeadline(), leaderElection.retryPeriod(), settings.identity(),
            null, false));
      }
    });
    EventRecorder events = new EventRecorder(client, settings.identity(), clock);
    operator.register(new Ocfs2ClusterReconciler(agents, settings, events, metrics, calls, clock));
    operator.register(
        new IscsiSharedVolumeReconciler(client, agents, settings, events, metrics, calls, renewals, clock));
    return new OperatorRuntime(operator, metrics, calls, renewals, agents);
  }

  public OperatorRuntime start() {
    operator.start();
    return this;
  }

  public OperatorMetrics metrics() {
    return metrics;
  }

  /** Started and every informer healthy (/readyz). */
  public boolean ready() {
    try {
      return operator.getRuntimeInfo().isStarted() && operator.getRuntimeInfo().allEventSourcesAreHealthy();
    } catch (RuntimeException e) {
      return false;
    }
  }

  @Override
  public void close() {
    try {
      operator.stop();
    } finally {
      renewals.shutdownNow();
      calls.shutdownNow();
      try {
        calls.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      agents.close();
    }
  }
}
