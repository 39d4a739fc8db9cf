package io.ocfs2iscsi.node.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The one way the plugin's HTTP endpoints (/healthz, /metrics) answer: a status, a content type, a UTF-8 body. */
final class HttpReplies {

  static final String TEXT = "text/plain; charset=utf-8";

  private HttpReplies() {}

  /**
   * Answers 404 for any other path and 405 (with Allow: GET) for any other method than GET on {@code path}.
   *
   * @return true when it answered, so the caller has nothing more to send
   */
  static boolean refusedUnlessGetOf(HttpExchange exchange, String path) throws IOException {
    if (!exchange.getRequestURI().getPath().equals(path)) {
      send(exchange, 404, TEXT, "not found: only " + path + " is served here");
      return true;
    }
    if (!exchange.getRequestMethod().equals("GET")) {
      exchange.getResponseHeaders().set("Allow", "GET");
      send(exchange, 405, TEXT, "method not allowed: " + path + " answers GET");
      return true;
    }
    return false;
  }

  static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
