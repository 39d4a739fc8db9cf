package io.ocfs2iscsi.operator.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class HttpEndpointsTest {

  @Test
  void healthReadinessAndMetrics() throws Exception {
    AtomicBoolean ready = new AtomicBoolean(false);
    try (HttpEndpoints http = HttpEndpoints.start(0, ready::get, () -> "ocfs2iscsi_formats_total 1\n")) {
      HttpClient client = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + http.port();

      HttpResponse<String> healthz = get(client, base + "/healthz");
      HttpResponse<String> notReady = get(client, base + "/readyz");
      ready.set(true);
      HttpResponse<String> readyz = get(client, base + "/readyz");
      HttpResponse<String> metrics = get(client, base + "/metrics");

      assertThat(healthz.statusCode()).isEqualTo(200);
      assertThat(notReady.statusCode()).isEqualTo(503);
      assertThat(notReady.body()).isEqualTo("not ready\n");
      assertThat(readyz.statusCode()).isEqualTo(200);
      assertThat(metrics.statusCode()).isEqualTo(200);
      assertThat(metrics.body()).isEqualTo("ocfs2iscsi_formats_total 1\n");
      assertThat(metrics.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4");
    }
  }

  private static HttpResponse<String> get(HttpClient client, String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
  }
}
