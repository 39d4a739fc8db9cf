package io.ocfs2iscsi.node.server;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyServerBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.ocfs2iscsi.contract.tls.ReloadingKeyManager;
import io.ocfs2iscsi.contract.tls.ReloadingTrustManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC servers, built on grpc-netty: CSI on a Unix socket (Netty's epoll domain-socket transport; kubelet
 * and the sidecars connect there) or on TCP, kubelet's plugin registration on a Unix socket, and the node agent on TCP with mutual TLS (a client without a
 * certificate signed by the CA is refused during the handshake; one whose certificate does not name the operator
 * gets PERMISSION_DENIED).
 */
public final class GrpcServers {

  private static final Logger LOG = LoggerFactory.getLogger(GrpcServers.class);

  private GrpcServers() {}

  /** A started server and the event loops it owns. */
  public record Running(Server server, List<EventLoopGroup> loops, Endpoint endpoint) implements AutoCloseable {
    /** The bound TCP port (useful with port 0), or -1 on a Unix socket. */
    public int port() {
      return endpoint instanceof Endpoint.Tcp ? server.getPort() : -1;
    }

    @Override
    public void close() {
      server.shutdown();
      try {
        if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
          server.shutdownNow();
        }
      } catch (InterruptedException e) {
        server.shutdownNow();
        Thread.currentThread().interrupt();
      }
      loops.forEach(l -> l.shutdownGracefully(0, 1, TimeUnit.SECONDS));
      if (endpoint instanceof Endpoint.Unix u) {
        try {
          Files.deleteIfExists(u.path());
        } catch (IOException e) {
          LOG.debug("could not remove {}: {}", u.path(), e.getMessage());
        }
      }
    }
  }

  /**
   * CSI on a Unix socket (kubelet's way: the socket's file permissions are the access control), or on TCP only
   * with {@code insecureTcp}, since TCP has no authentication here: anyone who reaches the port could stage, mount
   * and unmount volumes on the node.
   */
  public static Running startCsi(Endpoint endpoint, boolean insecureTcp, List<BindableService> services) {
    if (endpoint instanceof Endpoint.Unix u) {
      Path socket = u.path();
      try {
        Files.createDirectories(socket.getParent());
        // A socket file left by a previous run would make the bind fail.
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot prepare " + socket + ": " + e.getMessage(), e);
      }
      return serveUnix(u, services);
    }
    Endpoint.Tcp t = (Endpoint.Tcp) endpoint;
    if (!insecureTcp) {
      throw new IllegalArgumentException("CSI on " + endpoint + " would be served without authentication; use a"
          + " unix:// endpoint, or --csi-insecure-tcp for local tests");
    }
    LOG.warn("CSI on {} runs WITHOUT authentication (--csi-insecure-tcp): anyone who reaches the port can stage,"
        + " mount and unmount volumes on this node; use it for local tests only", endpoint);
    NettyServerBuilder b = NettyServerBuilder.forAddress(t.address());
    services.forEach(b::addService);
    return start(b, List.of(), endpoint);
  }

  /**
   * kubelet's plugin registration on a Unix socket in its plugins_registry, a host directory: a socket left there
   * by a killed run is replaced, anything else at that path is not ours and stops the start.
   */
  public static Running startRegistration(Path socket, List<BindableService> services) {
    try {
      Files.createDirectories(socket.getParent());
      if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
        int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        if ((mode & S_IFMT) != S_IFSOCK) {
          throw new IllegalStateException("cannot serve the plugin registration on " + socket + ": the file there is"
              + " not a socket, so not one this plugin left; remove it or choose another --registration-socket");
        }
        LOG.info("removing the stale registration socket {}", socket);
        Files.delete(socket);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + socket + ": " + e.getMessage(), e);
    }
    return serveUnix(new Endpoint.Unix(socket), services);
  }

  private static final int S_IFMT = 0170000;
  private static final int S_IFSOCK = 0140000;

  private static Running serveUnix(Endpoint.Unix endpoint, List<BindableService> services) {
    EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    EventLoopGroup workers = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    NettyServerBuilder b =
        NettyServerBuilder.forAddress(new DomainSocketAddress(endpoint.path().toString()))
            .channelType(EpollServerDomainSocketChannel.class)
            .bossEventLoopGroup(boss)
            .workerEventLoopGroup(workers);
    services.forEach(b::addService);
    return start(b, List.of(boss, workers), endpoint);
  }

  /**
   * The agent with mutual TLS: server certificate and key, and the CA its clients' certificates must chain to, all
   * read again from their files when they change (a renewal needs no restart); only the configured client identity
   * may call.
   */
  public static Running startAgentTls(Endpoint.Tcp endpoint, AgentTls tls, List<BindableService> services) {
    SslContext ssl;
    try {
      ssl = GrpcSslContexts.configure(SslContextBuilder.forServer(
              new ReloadingKeyManager(tls.cert(), tls.key(), LOG::warn)))
          .trustManager(new ReloadingTrustManager(tls.ca(), LOG::warn))
          .clientAuth(ClientAuth.REQUIRE)
          .build();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load the agent's TLS files (" + tls.cert() + ", " + tls.key() + ", "
          + tls.ca() + "): " + e.getMessage(), e);
    }
    NettyServerBuilder b = NettyServerBuilder.forAddress(endpoint.address()).sslContext(ssl);
    ClientIdentityInterceptor operatorOnly = new ClientIdentityInterceptor(tls.clientIdentity());
    services.forEach(s -> b.addService(ServerInterceptors.intercept(s, operatorOnly)));
    return start(b, List.of(), endpoint);
  }

  public static Running startAgentInsecure(Endpoint.Tcp endpoint, List<BindableService> services) {
    LOG.warn("the node agent on {}:{} runs WITHOUT TLS (--agent-insecure): anyone who reaches the port can format"
        + " volumes on this node; use it for local tests only", endpoint.host(), endpoint.port());
    NettyServerBuilder b = NettyServerBuilder.forAddress(endpoint.address());
    services.forEach(b::addService);
    return start(b, List.of(), endpoint);
  }

  private static Running start(NettyServerBuilder b, List<EventLoopGroup> loops, Endpoint endpoint) {
    try {
      Server s = b.build().start();
      return new Running(s, loops, endpoint);
    } catch (IOException e) {
      loops.forEach(EventLoopGroup::shutdownGracefully);
      throw new UncheckedIOException("cannot listen on " + endpoint + ": " + e.getMessage(), e);
    }
  }
}
