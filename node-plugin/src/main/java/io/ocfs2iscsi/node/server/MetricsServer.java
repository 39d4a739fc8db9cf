package io.ocfs2iscsi.node.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * GET /metrics in the Prometheus text format. One scrape at a time: each reads the host (sessions, maps), and two
 * scrapers at once need not read it twice in parallel.
 */
public final class MetricsServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);

  public static final String PATH = "/metrics";
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final HttpServer http;
  private final ExecutorService handlers;
  private final Supplier<String> metrics;

  private MetricsServer(HttpServer http, ExecutorService handlers, Supplier<String> metrics) {
    this.http = http;
    this.handlers = handlers;
    this.metrics = metrics;
  }

  /**
   * Serves {@code metrics} on {@code listen}.
   *
   * @throws UncheckedIOException when the address cannot be bound (in use, not an address of this host)
   */
  public static MetricsServer start(Endpoint.Tcp listen, Supplier<String> metrics) {
    ExecutorService handlers = Executors.newSingleThreadExecutor(r -> {
      Thread th = new Thread(r, "metrics");
      th.setDaemon(true);
      return th;
    });
    HttpServer http;
    try {
      http = HttpServer.create(new InetSocketAddress(listen.host(), listen.port()), 16);
    } catch (IOException e) {
      handlers.shutdownNow();
      throw new UncheckedIOException("cannot serve " + PATH + " on --metrics-endpoint " + listen.host() + ":"
          + listen.port() + ": " + e.getMessage(), e);
    }
    MetricsServer server = new MetricsServer(http, handlers, metrics);
    http.createContext("/", server::handle);
    http.setExecutor(handlers);
    http.start();
    return server;
  }

  public int port() {
    return http.getAddress().getPort();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!HttpReplies.refusedUnlessGetOf(exchange, PATH)) {
        String body;
        try {
          body = metrics.get();
        } catch (RuntimeException e) {
          LOG.warn("{} failed: {}", PATH, e.toString());
          HttpReplies.send(exchange, 500, HttpReplies.TEXT,
              "metrics could not be read: " + e.getClass().getName());
          return;
        }
        HttpReplies.send(exchange, 200, CONTENT_TYPE, body);
      }
    }
  }


  @Override
  public void close() {
    http.stop(0);
    handlers.shutdownNow();
  }
}
