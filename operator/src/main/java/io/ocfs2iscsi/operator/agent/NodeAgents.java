package io.ocfs2iscsi.operator.agent;

import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;

/**
 * The seam between the operator and the node agents: a stub for the agent of one node at host:port. Production uses
 * {@link GrpcNodeAgents} (mutual TLS); tests plug in in-process agents.
 */
public interface NodeAgents extends AutoCloseable {

  /** The agent of Node {@code node}, dialled at {@code endpoint} (host:port). */
  NodeAgentGrpc.NodeAgentBlockingStub at(String node, String endpoint);

  @Override
  void close();
}
