package io.ocfs2iscsi.operator.agent;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One channel per node agent, mutually authenticated: the operator's client certificate is checked by the agent,
 * and the agent's certificate must be signed by the same CA and name {@code authority} (agents are dialled by IP,
 * and one certificate serves every node, so the name checked is the chart's fixed agent name, not the IP).
 */
public final class GrpcNodeAgents implements NodeAgents {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcNodeAgents.class);

  private final SslContext tls;
  private final String authority;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();

  private GrpcNodeAgents(SslContext tls, String authority) {
    this.tls = tls;
    this.authority = authority;
  }

  public static GrpcNodeAgents mutualTls(Path ca, Path cert, Path key, String authority) {
    try {
      SslContext ctx = GrpcSslContexts.forClient()
          .trustManager(ca.toFile())
          .keyManager(cert.toFile(), key.toFile())
          .build();
      return new GrpcNodeAgents(ctx, authority);
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("cannot load the agent TLS files (" + ca + ", " + cert + ", " + key + "): "
          + e.getMessage(), e);
    }
  }

  /** Plain text, for local tests only. */
  public static GrpcNodeAgents insecure() {
    LOG.warn("node-agent calls without TLS (--agent-insecure): for local tests only");
    return new GrpcNodeAgents(null, null);
  }

  @Override
  public NodeAgentGrpc.NodeAgentBlockingStub at(String node, String endpoint) {
    return NodeAgentGrpc.newBlockingStub(channels.computeIfAbsent(endpoint, this::open));
  }

  private ManagedChannel open(String endpoint) {
    NettyChannelBuilder b = NettyChannelBuilder.forTarget(endpoint);
    if (tls == null) {
      b.usePlaintext();
    } else {
      b.sslContext(tls);
      if (authority != null && !authority.isEmpty()) {
        b.overrideAuthority(authority);
      }
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
