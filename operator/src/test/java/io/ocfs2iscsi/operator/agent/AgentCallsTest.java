package io.ocfs2iscsi.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.GetNodeInfoRequest;
import io.ocfs2iscsi.agent.v1.GetNodeInfoResponse;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The reconcilers' agent calls, against in-process agents (the seam): answers, failures, deadlines, parallelism. */
class AgentCallsTest {

  private static final Duration SLOW = Duration.ofMillis(700);

  private final AtomicInteger calls = new AtomicInteger();
  private final ExecutorService pool = Executors.newFixedThreadPool(4);
  private final ExecutorService agentThreads = Executors.newCachedThreadPool();
  private Server server;
  private ManagedChannel channel;
  private AgentCalls agentCalls;

  /** Answers with the node name it was asked as; "slow" sleeps first, "broken" fails. */
  private final class Agent extends NodeAgentGrpc.NodeAgentImplBase {
    @Override
    public void getNodeInfo(GetNodeInfoRequest r, StreamObserver<GetNodeInfoResponse> observer) {
      calls.incrementAndGet();
      if (r.getAddressCidr().equals("broken")) {
        observer.onError(Status.FAILED_PRECONDITION.withDescription("no such network").asRuntimeException());
        return;
      }
      if (r.getAddressCidr().equals("slow")) {
        try {
          Thread.sleep(SLOW.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      observer.onNext(GetNodeInfoResponse.newBuilder().setNodeName("answered").build());
      observer.onCompleted();
    }
  }

  @BeforeEach
  void start() throws Exception {
    String name = "agent-calls-" + System.identityHashCode(this);
    server = InProcessServerBuilder.forName(name).addService(new Agent()).executor(agentThreads).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
    agentCalls = new AgentCalls(new NodeAgents() {
      @Override
      public NodeAgentGrpc.NodeAgentBlockingStub at(String node, String endpoint) {
        return NodeAgentGrpc.newBlockingStub(channel);
      }

      @Override
      public void close() {}
    }, pool);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    pool.shutdownNow();
    agentThreads.shutdownNow();
  }

  private static GetNodeInfoRequest asking(String cidr) {
    return GetNodeInfoRequest.newBuilder().setAddressCidr(cidr).build();
  }

  @Test
  void anAgentsFailureIsItsOneLineDescription() {
    AgentCalls.Answer<GetNodeInfoResponse> a = agentCalls.one(new AgentCalls.Target("n1", "10.0.0.1:9443"),
        Duration.ofSeconds(5), agent -> agent.getNodeInfo(asking("broken")));

    assertThat(a.answered()).isFalse();
    assertThat(a.failure()).isEqualTo("FAILED_PRECONDITION: no such network");
  }

  @Test
  void aNodeWithoutEndpointIsNotCalled() {
    AgentCalls.Answer<GetNodeInfoResponse> a = agentCalls.one(new AgentCalls.Target("n1", null),
        Duration.ofSeconds(5), agent -> agent.getNodeInfo(asking("")));

    assertThat(a.failure()).isEqualTo(AgentCalls.NO_ENDPOINT);
    assertThat(calls).hasValue(0);
  }

  @Test
  void aCallPastItsDeadlineEndsWithDeadlineExceeded() {
    AgentCalls.Answer<GetNodeInfoResponse> a = agentCalls.one(new AgentCalls.Target("n1", "10.0.0.1:9443"),
        Duration.ofMillis(100), agent -> agent.getNodeInfo(asking("slow")));

    assertThat(a.failure()).startsWith("DEADLINE_EXCEEDED");
  }

  @Test
  void manyNodesAreCalledAtOnceAndAnsweredInTheirOrder() {
    List<AgentCalls.Target> targets = List.of(new AgentCalls.Target("n3", "a:1"),
        new AgentCalls.Target("n1", "b:1"), new AgentCalls.Target("n2", "c:1"));
    long start = System.nanoTime();

    Map<String, AgentCalls.Answer<GetNodeInfoResponse>> answers =
        agentCalls.all(targets, Duration.ofSeconds(5), agent -> agent.getNodeInfo(asking("slow")));

    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(answers.keySet()).containsExactly("n3", "n1", "n2");
    assertThat(answers.values()).allSatisfy(a -> assertThat(a.reply().getNodeName()).isEqualTo("answered"));
    assertThat(took).as("three slow calls at once take about one").isLessThan(SLOW.multipliedBy(2));
  }
}
