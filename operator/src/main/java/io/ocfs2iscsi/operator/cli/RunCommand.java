package io.ocfs2iscsi.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.ocfs2iscsi.operator.agent.GrpcNodeAgents;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import io.ocfs2iscsi.operator.reconcile.ReconcileSettings;
import io.ocfs2iscsi.operator.run.HttpEndpoints;
import io.ocfs2iscsi.operator.run.OperatorRuntime;
import io.ocfs2iscsi.operator.run.OperatorSettings;
import io.ocfs2iscsi.operator.tls.NodeCertificateIssuer;
import io.ocfs2iscsi.operator.tls.NodeIdentityReview;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code operator.jar run}: reconciles against the current kubeconfig (or the in-cluster service account) until
 * SIGTERM.
 */
public final class RunCommand {

  private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

  private final PrintStream err;
  private final Map<String, String> env;

  public RunCommand(PrintStream err, Map<String, String> env) {
    this.err = err;
    this.env = env;
  }

  public int run(List<String> args) {
    if (args.contains("--help") || args.contains("-h")) {
      err.print(OperatorSettings.usage());
      return 0;
    }
    OperatorSettings s;
    try {
      s = OperatorSettings.parse(args, env);
    } catch (IllegalArgumentException e) {
      err.println("operator run: " + e.getMessage());
      return 2;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    String namespace = s.namespace().orElseGet(() -> client.getNamespace() == null ? "default" : client.getNamespace());
    Optional<NodeCertificateIssuer> issuer = s.nodeCertificates().map(n -> new NodeCertificateIssuer(
        new NodeIdentityReview(client, n.pluginNamespace(), n.pluginServiceAccount()), n.issuerCert(), n.issuerKey(),
        s.agentTlsNodeIdentityPrefix()));
    NodeAgents agents = s.agentInsecure() ? GrpcNodeAgents.insecure()
        : GrpcNodeAgents.mutualTls(s.agentTlsCa().get(), s.agentTlsCert().get(), s.agentTlsKey().get(),
            s.agentTlsNodeIdentityPrefix(), issuer);
    ReconcileSettings settings = ReconcileSettings.defaults(namespace, s.identity())
        .withAgentPort(s.agentPort()).withHealthPoll(s.healthPoll()).withServerSideApply(s.serverSideApply())
        .withChapSecretNamespaces(s.chapSecretNamespaces().isEmpty() ? java.util.Set.of(namespace)
            : java.util.Set.copyOf(s.chapSecretNamespaces()));
    OperatorRuntime runtime = OperatorRuntime.create(client, agents, settings,
        s.leaderElection() ? OperatorRuntime.LeaderElection.standard() : null, Clock.systemUTC());
    HttpEndpoints http = null;
    try {
      if (s.httpPort() > 0) {
        http = HttpEndpoints.start(s.httpPort(), runtime::ready, runtime.metrics()::render);
      }
    } catch (IOException e) {
      err.println("operator run: cannot serve HTTP on port " + s.httpPort() + ": " + e.getMessage());
      runtime.close();
      client.close();
      return 1;
    }
    LOG.info("operator {} against {} (leases in {}, CHAP Secrets in {}, agents on port {}, {}, leader election {})",
        s.identity(), client.getMasterUrl(), namespace, new java.util.TreeSet<>(settings.chapSecretNamespaces()),
        s.agentPort(), s.agentInsecure() ? "insecure" : "mutual TLS", s.leaderElection() ? "on" : "off");
    CountDownLatch stopped = new CountDownLatch(1);
    HttpEndpoints served = http;
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("stopping");
      if (served != null) {
        served.close();
      }
      runtime.close();
      client.close();
      stopped.countDown();
    }, "shutdown"));
    runtime.start();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }
}
