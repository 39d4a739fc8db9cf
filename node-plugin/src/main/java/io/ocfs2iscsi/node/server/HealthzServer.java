package io.ocfs2iscsi.node.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import csi.v1.IdentityGrpc;
import csi.v1.ProbeRequest;
import csi.v1.ProbeResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.NettyChannelBuilder;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.ocfs2iscsi.contract.CsiDriver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /healthz for kubelet's liveness and readiness probes, answered as the livenessprobe sidecar answers them:
 * every request calls the plugin's CSI Probe through the CSI endpoint (so a CSI server that no longer serves fails
 * too) with a deadline; 200 "ok" when it says ready, 500 with the reason otherwise, and 500 when it does not answer
 * within the deadline, never a request that hangs until kubelet's own timeout.
 */
public final class HealthzServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(HealthzServer.class);

  public static final String PATH = "/healthz";

  /**
   * How long one Probe may take: the first Probe checks the host tools (one command each) before its result is
   * cached; it stays below the timeoutSeconds of the chart's probes, so that kubelet reads our 500 and its reason.
   */
  public static final Duration PROBE_TIMEOUT = Duration.ofSeconds(8);

  static final String NOT_READY = "CSI Probe: " + CsiDriver.NAME + " is not ready (a required host tool is missing,"
      + " or kubelet refused to register the driver; the plugin's log names which)";

  private final HttpServer http;
  private final ExecutorService handlers;
  private final ManagedChannel csi;
  private final Optional<EventLoopGroup> csiLoop;
  private final Duration probeTimeout;
  private final AtomicReference<String> lastFailure = new AtomicReference<>();

  private HealthzServer(
      HttpServer http, ExecutorService handlers, ManagedChannel csi, Optional<EventLoopGroup> csiLoop,
      Duration probeTimeout) {
    this.http = http;
    this.handlers = handlers;
    this.csi = csi;
    this.csiLoop = csiLoop;
    this.probeTimeout = probeTimeout;
  }

  /**
   * Serves /healthz on {@code listen}, probing the CSI server on {@code csiEndpoint}.
   *
   * @throws UncheckedIOException when the address cannot be bound (in use, not an address of this host)
   */
  public static HealthzServer start(Endpoint.Tcp listen, Endpoint csiEndpoint, Duration probeTimeout) {
    Optional<EventLoopGroup> loop = Optional.empty();
    ManagedChannel channel;
    if (csiEndpoint instanceof Endpoint.Unix u) {
      EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
      loop = Optional.of(group);
      channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(u.path().toString()))
          .channelType(EpollDomainSocketChannel.class)
          .eventLoopGroup(group)
          .usePlaintext()
          .build();
    } else {
      Endpoint.Tcp t = (Endpoint.Tcp) csiEndpoint;
      channel = NettyChannelBuilder.forAddress(dialable(t.host()), t.port()).usePlaintext().build();
    }
    // Two threads: a probe that waits for its deadline does not hold up the next request.
    ExecutorService handlers = Executors.newFixedThreadPool(2, r -> {
      Thread th = new Thread(r, "healthz");
      th.setDaemon(true);
      return th;
    });
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
    } catch (IOException e) {
      handlers.shutdownNow();
      channel.shutdownNow();
      loop.ifPresent(l -> l.shutdownGracefully(0, 1, TimeUnit.SECONDS));
      throw new UncheckedIOException("cannot serve " + PATH + " on --healthz-endpoint " + listen.host() + ":"
          + listen.port() + ": " + e.getMessage(), e);
    }
    HealthzServer server = new HealthzServer(http, handlers, channel, loop, probeTimeout);
    http.createContext("/", server::handle);
    http.setExecutor(handlers);
    http.start();
    return server;
  }

  /** A wildcard listen address is no address to dial: the CSI server on all addresses is reached on loopback. */
  private static String dialable(String host) {
    return host.equals("0.0.0.0") ? "127.0.0.1" : host.equals("::") ? "::1" : host;
  }

  /** The bound port (the one asked for, or the one chosen for port 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!HttpReplies.refusedUnlessGetOf(exchange, PATH)) {
        Optional<String> failure = probe();
        noteChange(failure);
        if (failure.isEmpty()) {
          HttpReplies.send(exchange, 200, HttpReplies.TEXT, "ok");
        } else {
          HttpReplies.send(exchange, 500, HttpReplies.TEXT, failure.get());
        }
      }
    }
  }

  /** Empty when the CSI Probe says ready; else why not. */
  private Optional<String> probe() {
    try {
      ProbeResponse r = IdentityGrpc.newBlockingStub(csi)
          .withDeadlineAfter(probeTimeout.toMillis(), TimeUnit.MILLISECONDS)
          .probe(ProbeRequest.getDefaultInstance());
      // CSI: a Probe response without ready means ready.
      return !r.hasReady() || r.getReady().getValue() ? Optional.empty() : Optional.of(NOT_READY);
    } catch (StatusRuntimeException e) {
      Status s = e.getStatus();
      if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
        return Optional.of("CSI Probe did not answer within " + probeTimeout.toMillis() + " ms");
      }
      return Optional.of("CSI Probe failed: " + s.getCode()
          + (s.getDescription() == null ? "" : ": " + s.getDescription()));
    } catch (RuntimeException e) {
      return Optional.of("CSI Probe failed: " + e);
    }
  }

  /** Logs when health changes, not on every request of kubelet's periodic probes. */
  private void noteChange(Optional<String> failure) {
    String now = failure.orElse("");
    String before = lastFailure.getAndSet(now);
    if (now.equals(before)) {
      return;
    }
    if (failure.isPresent()) {
      LOG.warn("{} answers 500: {}", PATH, now);
    } else if (before != null) {
      LOG.info("{} answers 200 again", PATH);
    }
  }


  @Override
  public void close() {
    http.stop(0);
    handlers.shutdownNow();
    csi.shutdownNow();
    try {
      csi.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    csiLoop.ifPresent(l -> l.shutdownGracefully(0, 1, TimeUnit.SECONDS));
  }
}
