package io.ocfs2iscsi.operator.reconcile;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.operator.agent.NodeAgents;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Test seam: fake node agents on grpc-java's in-process transport, one per endpoint ("10.0.0.5:9443"), so the
 * operator's real gRPC client code path (stubs, deadlines, status codes) runs without a network. An endpoint with
 * no agent behaves like a host that does not answer (UNAVAILABLE).
 */
final class FakeNodeAgents {

  private final Map<String, Server> servers = new ConcurrentHashMap<>();
  private final Map<String, FakeNodeAgent> byNode = new ConcurrentHashMap<>();
  private final String prefix = "fake-agents-" + System.identityHashCode(this) + "-";

  FakeNodeAgent add(String endpoint, FakeNodeAgent agent) {
    try {
      servers.put(endpoint, InProcessServerBuilder.forName(prefix + endpoint).addService(agent)
          .executor(java.util.concurrent.Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "fake-agent");
            t.setDaemon(true);
            return t;
          })).build().start());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    byNode.put(agent.node, agent);
    return agent;
  }

  FakeNodeAgent node(String name) {
    return byNode.get(name);
  }

  Iterable<FakeNodeAgent> all() {
    return byNode.values();
  }

  /** A client view, as the operator gets it; closing it closes its channels only. */
  NodeAgents client() {
    Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
    return new NodeAgents() {
      @Override
      public NodeAgentGrpc.NodeAgentBlockingStub at(String node, String endpoint) {
        return NodeAgentGrpc.newBlockingStub(channels.computeIfAbsent(endpoint,
            e -> InProcessChannelBuilder.forName(prefix + e).directExecutor().build()));
      }

      @Override
      public void close() {
        channels.values().forEach(ManagedChannel::shutdownNow);
      }
    };
  }

  void close() {
    servers.values().forEach(Server::shutdownNow);
  }
}
