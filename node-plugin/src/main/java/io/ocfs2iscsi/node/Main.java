package io.ocfs2iscsi.node;

import io.grpc.BindableService;
import io.micronaut.context.ApplicationContext;
import io.ocfs2iscsi.node.grpc.IdentityService;
import io.ocfs2iscsi.node.grpc.NodeAgentService;
import io.ocfs2iscsi.node.grpc.NodeService;
import io.ocfs2iscsi.node.grpc.RegistrationService;
import io.ocfs2iscsi.node.metrics.NodeMetrics;
import io.ocfs2iscsi.node.server.AgentCertificateService;
import io.ocfs2iscsi.node.server.AgentKeyFiles;
import io.ocfs2iscsi.node.server.AgentTls;
import io.ocfs2iscsi.node.server.Endpoint;
import io.ocfs2iscsi.node.server.GrpcServers;
import io.ocfs2iscsi.node.server.HealthzServer;
import io.ocfs2iscsi.node.server.MetricsServer;
import io.ocfs2iscsi.node.volume.PathRepairer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar node-plugin.jar --node-id NAME --csi-endpoint URL --state-dir DIR [...]}: starts the CSI
 * server, (with --agent-endpoint) the node agent, (with --registration-socket) kubelet's plugin registration and
 * (with --healthz-endpoint) /healthz for kubelet's probes, (with --metrics-endpoint) /metrics, and runs until
 * SIGTERM.
 */
public final class Main {

  private static final Logger LOG = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.print(PluginConfig.usage());
      return;
    }
    PluginConfig config;
    try {
      config = PluginConfig.parse(args, System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("node-plugin: " + e.getMessage().replace("\n", "\nnode-plugin: "));
      System.err.print(PluginConfig.usage());
      System.exit(2);
      return;
    }
    Started started = start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      started.close();
      stopped.countDown();
    }, "shutdown"));
    stopped.await();
  }

  /** A running plugin: its servers and its bean context. */
  public record Started(ApplicationContext context, List<GrpcServers.Running> servers,
      Optional<HealthzServer> healthz, Optional<MetricsServer> metrics) implements AutoCloseable {
    @Override
    public void close() {
      metrics.ifPresent(MetricsServer::close);
      healthz.ifPresent(HealthzServer::close);
      // Last started, first closed: the registration socket goes first, so kubelet deregisters the driver before
      // its CSI socket disappears.
      closeNewestFirst(servers);
      context.getBean(PathRepairer.class).stop();
      context.close();
      LOG.info("stopped");
    }
  }

  private static void closeNewestFirst(List<GrpcServers.Running> servers) {
    for (int i = servers.size() - 1; i >= 0; i--) {
      servers.get(i).close();
    }
  }

  public static Started start(PluginConfig config) {
    ApplicationContext ctx =
        ApplicationContext.builder().deduceEnvironment(false).banner(false).singletons(config).start();
    List<GrpcServers.Running> servers = new ArrayList<>();
    Optional<HealthzServer> healthz = Optional.empty();
    Optional<MetricsServer> metrics = Optional.empty();
    try {
      List<BindableService> csi = List.of(ctx.getBean(IdentityService.class), ctx.getBean(NodeService.class));
      servers.add(GrpcServers.startCsi(config.csiEndpoint(), config.csiInsecureTcp(), csi));
      LOG.info("CSI Identity and Node of {} on {} (node {}, host mode {}, state in {}, kubelet dir {})",
          io.ocfs2iscsi.contract.CsiDriver.NAME, config.csiEndpoint(), config.nodeId(), config.hostMode(),
          config.stateDir(), config.kubeletDir());
      if (config.agentEndpoint().isPresent()) {
        Endpoint.Tcp tcp = (Endpoint.Tcp) config.agentEndpoint().get();
        if (config.agentInsecure()) {
          servers.add(GrpcServers.startAgentInsecure(tcp, List.of(ctx.getBean(NodeAgentService.class))));
        } else {
          AgentKeyFiles own = new AgentKeyFiles(config.agentTlsCert().orElseThrow(), config.agentTlsKey().orElseThrow());
          if (config.agentTlsIdentityToken().isPresent()) {
            own.ensure(config.nodeId());
          }
          servers.add(GrpcServers.startAgentTls(tcp, new AgentTls(config.agentTlsCert().orElseThrow(),
                  config.agentTlsKey().orElseThrow(), config.agentTlsCa().orElseThrow(),
                  config.agentTlsClientIdentity()),
              List.of(ctx.getBean(NodeAgentService.class),
                  new AgentCertificateService(config.nodeId(), config.agentTlsIdentityToken(), own))));
        }
        LOG.info("node agent on {}:{}{}", tcp.host(), servers.get(1).port(),
            config.agentInsecure() ? " (insecure)" : " (mutual TLS)");
      }
      if (config.registrationSocket().isPresent()) {
        // After CSI is up: kubelet dials the CSI socket as soon as it has registered the driver.
        servers.add(GrpcServers.startRegistration(config.registrationSocket().get(),
            List.of(ctx.getBean(RegistrationService.class))));
        LOG.info("plugin registration for kubelet on {} (CSI socket advertised as {})",
            config.registrationSocket().get(), config.kubeletRegistrationPath());
      }
      if (config.healthzEndpoint().isPresent()) {
        // It probes through the CSI socket, as the livenessprobe sidecar does, so CSI must be up first.
        healthz = Optional.of(HealthzServer.start(config.healthzEndpoint().get(), config.csiEndpoint(),
            HealthzServer.PROBE_TIMEOUT));
        LOG.info("{} for kubelet's probes on {}:{}", HealthzServer.PATH, config.healthzEndpoint().get().host(),
            healthz.get().port());
      }
      if (config.metricsEndpoint().isPresent()) {
        NodeMetrics nodeMetrics = ctx.getBean(NodeMetrics.class);
        metrics = Optional.of(MetricsServer.start(config.metricsEndpoint().get(), nodeMetrics::render));
        LOG.info("{} on {}:{}", MetricsServer.PATH, config.metricsEndpoint().get().host(), metrics.get().port());
      }
      ctx.getBean(PathRepairer.class).start();
      return new Started(ctx, servers, healthz, metrics);
    } catch (RuntimeException e) {
      metrics.ifPresent(MetricsServer::close);
      healthz.ifPresent(HealthzServer::close);
      closeNewestFirst(servers);
      ctx.close();
      throw e;
    }
  }
}
