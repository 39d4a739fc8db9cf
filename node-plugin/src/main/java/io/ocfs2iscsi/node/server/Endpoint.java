package io.ocfs2iscsi.node.server;

import java.net.InetSocketAddress;
import java.nio.file.Path;

/** Where a gRPC server listens: a Unix socket (unix:///path) or TCP (tcp://host:port, or host:port). */
public sealed interface Endpoint {

  record Unix(Path path) implements Endpoint {
    @Override
    public String toString() {
      return "unix://" + path;
    }
  }

  record Tcp(String host, int port) implements Endpoint {
    public InetSocketAddress address() {
      return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
      return "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
  }

  static Endpoint parse(String value) {
    if (value == null || value.isEmpty()) {
      throw new IllegalArgumentException("an endpoint is required (unix:///path or tcp://host:port)");
    }
    if (value.startsWith("unix://")) {
      String path = value.substring("unix://".length());
      if (!path.startsWith("/")) {
        throw new IllegalArgumentException("unix endpoint must be absolute: unix:///path, got " + value);
      }
      return new Unix(Path.of(path));
    }
    String hostPort = value.startsWith("tcp://") ? value.substring("tcp://".length()) : value;
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected unix:///path, tcp://host:port or host:port, got " + value);
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in " + value);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("bad port in " + value);
    }
    return new Tcp(host, port);
  }
}
