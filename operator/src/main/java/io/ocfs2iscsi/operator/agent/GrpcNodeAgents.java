package io.ocfs2iscsi.operator.agent;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.contract.tls.ReloadingKeyManager;
import io.ocfs2iscsi.contract.tls.ReloadingTrustManager;
import io.ocfs2iscsi.operator.tls.NodeCertificateIssuer;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel per node agent, mutually authenticated: the agent checks the operator's client certificate, and the
 * operator accepts only a certificate of the agents' CA that names the node it dialled ({@link
 * NodeIdentityTrustManager}). The certificate, key and CA files are read again when they change, so a renewal
 * takes effect at the next connection. With an issuer, a node whose certificate is refused (a new node with its
 * self-signed one, a node of a replaced CA) or runs out within a third of its life gets a new one in the background
 * ({@link NodeCertificateBootstrap}); its calls succeed from the next connection on.
 */
public final class GrpcNodeAgents implements NodeAgents {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcNodeAgents.class);
  private static final Duration ISSUE_RETRY = Duration.ofSeconds(30);

  private record Target(String node, String endpoint) {}

  /** The TLS of the channel to one node; null: plain text. */
  private final Function<Target, SslContext> tlsFor;
  private final NodeCertificateBootstrap bootstrap;
  private final Map<Target, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Map<String, Instant> lastIssue = new ConcurrentHashMap<>();
  private final ExecutorService issuing = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "node-certificates");
    t.setDaemon(true);
    return t;
  });

  private GrpcNodeAgents(
      ReloadingKeyManager keys, ReloadingTrustManager chain, String prefix, NodeCertificateBootstrap bootstrap) {
    this.bootstrap = bootstrap;
    this.tlsFor = keys == null ? null : target -> {
      try {
        return GrpcSslContexts.forClient()
            .keyManager(keys)
            .trustManager(new NodeIdentityTrustManager(chain, AgentIdentities.node(prefix, target.node()),
                new NodeIdentityTrustManager.Outcome() {
                  @Override
                  public void refused() {
                    issue(target);
                  }

                  @Override
                  public void trusted(X509Certificate agent) {
                    if (renewalDue(agent, Instant.now())) {
                      issue(target);
                    }
                  }
                }))
            .build();
      } catch (SSLException e) {
        throw new IllegalStateException("cannot set up TLS towards node " + target.node() + ": " + e.getMessage(), e);
      }
    };
  }

  /**
   * Mutual TLS with the operator's certificate and key, trusting agents whose certificate chains to {@code ca} and
   * names {@code nodeIdentityPrefix} + the Node name; with {@code issuer}, nodes get their certificates from it.
   */
  public static GrpcNodeAgents mutualTls(
      Path ca, Path cert, Path key, String nodeIdentityPrefix, Optional<NodeCertificateIssuer> issuer) {
    ReloadingKeyManager keys;
    ReloadingTrustManager chain;
    try {
      keys = new ReloadingKeyManager(cert, key, LOG::warn);
      chain = new ReloadingTrustManager(ca, LOG::warn);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot load the agent TLS files (" + ca + ", " + cert + ", " + key + "): "
          + e.getMessage(), e);
    }
    return new GrpcNodeAgents(keys, chain, nodeIdentityPrefix,
        issuer.map(i -> new NodeCertificateBootstrap(keys, i)).orElse(null));
  }

  /** Plain text, for local tests only. */
  public static GrpcNodeAgents insecure() {
    LOG.warn("node-agent calls without TLS (--agent-insecure): for local tests only");
    return new GrpcNodeAgents(null, null, null, null);
  }

  /** A certificate is renewed when less than a third of its validity is left. */
  static boolean renewalDue(X509Certificate agent, Instant now) {
    Instant from = agent.getNotBefore().toInstant();
    Instant until = agent.getNotAfter().toInstant();
    return Duration.between(now, until).compareTo(Duration.between(from, until).dividedBy(3)) < 0;
  }

  @Override
  public NodeAgentGrpc.NodeAgentBlockingStub at(String node, String endpoint) {
    return NodeAgentGrpc.newBlockingStub(channels.computeIfAbsent(new Target(node, endpoint), this::open));
  }

  private ManagedChannel open(Target target) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target.endpoint());
    if (tlsFor == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tlsFor.apply(target));
    }
    return b.build();
  }

  /** Issues {@code target}'s node a certificate in the background, at most once per ISSUE_RETRY. */
  private void issue(Target target) {
    if (bootstrap == null) {
      return;
    }
    Instant now = Instant.now();
    boolean[] due = {false};
    lastIssue.compute(target.node(), (node, last) -> {
      if (last != null && last.plus(ISSUE_RETRY).isAfter(now)) {
        return last;
      }
      due[0] = true;
      return now;
    });
    if (!due[0]) {
      return;
    }
    issuing.execute(() -> {
      if (bootstrap.run(target.node(), target.endpoint())) {
        // The channel waits out its reconnect backoff after the refused handshakes; the node is ready now.
        channels.forEach((t, channel) -> {
          if (t.node().equals(target.node())) {
            channel.resetConnectBackoff();
          }
        });
      }
    });
  }

  @Override
  public void close() {
    issuing.shutdownNow();
    channels.values().forEach(ManagedChannel::shutdownNow);
    for (ManagedChannel c : channels.values()) {
      try {
        c.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
