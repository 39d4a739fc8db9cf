package io.ocfs2iscsi.node.server;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** The one way the plugin's HTTP endpoints (/healthz, /metrics) answer: a status, a content type, a UTF-8 body. */
final class HttpReplies {

  static final String TEXT = "text/plain; charset=utf-8";

  private HttpReplies() {}

  static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
