package io.ocfs2iscsi.operator.agent;

import io.ocfs2iscsi.agent.v1.NodeAgentGrpc.NodeAgentBlockingStub;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The reconcilers' calls to node agents: one node, or many at once on the operator's bounded pool, each with its
 * deadline. A call never throws: its {@link Answer} holds the agent's reply or, in one line, why there is none.
 */
public final class AgentCalls {

  /** Why a node that has no known agent endpoint was not called. */
  public static final String NO_ENDPOINT = "no agent address known";

  private final NodeAgents agents;
  private final ExecutorService pool;

  public AgentCalls(NodeAgents agents, ExecutorService pool) {
    this.agents = agents;
    this.pool = pool;
  }

  /** The agent of Node {@code node} at {@code endpoint} (host:port; null when none is known). */
  public record Target(String node, String endpoint) {}

  /** The reply of one agent, or why there is none ({@link #failure}, from {@link AgentErrors#describe}). */
  public record Answer<T>(Target target, T reply, String failure) {

    public boolean answered() {
      return failure == null;
    }
  }

  /** Calls one agent and waits for its answer. */
  public <T> Answer<T> one(Target target, Duration deadline, Function<NodeAgentBlockingStub, T> call) {
    if (target.endpoint() == null) {
      return new Answer<>(target, null, NO_ENDPOINT);
    }
    try {
      NodeAgentBlockingStub stub = agents.at(target.node(), target.endpoint())
          .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
      return new Answer<>(target, call.apply(stub), null);
    } catch (RuntimeException e) {
      return new Answer<>(target, null, AgentErrors.describe(e));
    }
  }

  /** Calls every target at once and waits for all; the answers by node name, in the order of {@code targets}. */
  public <T> Map<String, Answer<T>> all(
      List<Target> targets, Duration deadline, Function<NodeAgentBlockingStub, T> call) {
    Map<String, CompletableFuture<Answer<T>>> running = new LinkedHashMap<>();
    for (Target t : targets) {
      running.put(t.node(), CompletableFuture.supplyAsync(() -> one(t, deadline, call), pool));
    }
    Map<String, Answer<T>> out = new LinkedHashMap<>();
    running.forEach((node, f) -> out.put(node, f.join()));
    return out;
  }
}
