package io.ocfs2iscsi.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** /metrics over real HTTP. */
class MetricsServerTest {

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> send(MetricsServer server, String method, String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .method(method, HttpRequest.BodyPublishers.noBody()).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void everyGetRendersTheMetricsAnew() throws Exception {
    AtomicInteger scrapes = new AtomicInteger();
    try (MetricsServer server = MetricsServer.start(new Endpoint.Tcp("127.0.0.1", 0),
        () -> "# TYPE x counter\nx " + scrapes.incrementAndGet() + "\n")) {
      HttpResponse<String> first = send(server, "GET", "/metrics");
      HttpResponse<String> second = send(server, "GET", "/metrics");

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type")).contains("text/plain; version=0.0.4; charset=utf-8");
      assertThat(first.body()).isEqualTo("# TYPE x counter\nx 1\n");
      assertThat(second.body()).isEqualTo("# TYPE x counter\nx 2\n");
    }
  }

  @Test
  void otherPathsMethodsAndFailuresAreAnsweredPlainly() throws Exception {
    try (MetricsServer server = MetricsServer.start(new Endpoint.Tcp("127.0.0.1", 0), () -> {
      throw new IllegalStateException("state dir unreadable");
    })) {
      assertThat(send(server, "GET", "/healthz").statusCode()).isEqualTo(404);
      HttpResponse<String> post = send(server, "POST", "/metrics");
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).contains("GET");
      HttpResponse<String> failed = send(server, "GET", "/metrics");
      assertThat(failed.statusCode()).isEqualTo(500);
      assertThat(failed.body()).contains("IllegalStateException").doesNotContain("state dir unreadable");
    }
  }

  @Test
  void anAddressInUseIsRefusedNamingTheFlag() {
    try (MetricsServer first = MetricsServer.start(new Endpoint.Tcp("127.0.0.1", 0), () -> "")) {
      assertThatThrownBy(() -> MetricsServer.start(new Endpoint.Tcp("127.0.0.1", first.port()), () -> ""))
          .isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("--metrics-endpoint 127.0.0.1:" + first.port());
    }
  }
}
