package io.ocfs2iscsi.operator.agent;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.contract.tls.ReloadingKeyManager;
import io.ocfs2iscsi.contract.tls.ReloadingTrustManager;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel per node agent, mutually authenticated: the agent checks the operator's client certificate, and the
 * operator accepts only a certificate of the agents' CA that names the node it dialled ({@link
 * NodeIdentityTrustManager}). The certificate, key and CA files are read again when they change, so a renewal
 * takes effect at the next connection.
 */
public final class GrpcNodeAgents implements NodeAgents {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcNodeAgents.class);

  private record Target(String node, String endpoint) {}

  /** The TLS of the channel to one node; null: plain text. */
  private final Function<String, SslContext> tlsForNode;
  private final Map<Target, ManagedChannel> channels = new ConcurrentHashMap<>();

  private GrpcNodeAgents(Function<String, SslContext> tlsForNode) {
    this.tlsForNode = tlsForNode;
  }

  /**
   * Mutual TLS with the operator's certificate and key, trusting agents whose certificate chains to {@code ca} and
   * names {@code nodeIdentityPrefix} + the Node name.
   */
  public static GrpcNodeAgents mutualTls(Path ca, Path cert, Path key, String nodeIdentityPrefix) {
    ReloadingKeyManager keys;
    ReloadingTrustManager chain;
    try {
      keys = new ReloadingKeyManager(cert, key, LOG::warn);
      chain = new ReloadingTrustManager(ca, LOG::warn);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot load the agent TLS files (" + ca + ", " + cert + ", " + key + "): "
          + e.getMessage(), e);
    }
    return new GrpcNodeAgents(node -> {
      try {
        return GrpcSslContexts.forClient()
            .keyManager(keys)
            .trustManager(new NodeIdentityTrustManager(chain, AgentIdentities.node(nodeIdentityPrefix, node)))
            .build();
      } catch (SSLException e) {
        throw new IllegalStateException("cannot set up TLS towards node " + node + ": " + e.getMessage(), e);
      }
    });
  }

  /** Plain text, for local tests only. */
  public static GrpcNodeAgents insecure() {
    LOG.warn("node-agent calls without TLS (--agent-insecure): for local tests only");
    return new GrpcNodeAgents(null);
  }

  @Override
  public NodeAgentGrpc.NodeAgentBlockingStub at(String node, String endpoint) {
    return NodeAgentGrpc.newBlockingStub(channels.computeIfAbsent(new Target(node, endpoint), this::open));
  }

  private ManagedChannel open(Target target) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(target.endpoint());
    if (tlsForNode == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tlsForNode.apply(target.node()));
    }
    return b.build();
  }

  @Override
  public void close() {
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
