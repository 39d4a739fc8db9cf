package io.ocfs2iscsi.operator.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class AgentErrorsTest {

  @Test
  void aGrpcStatusIsItsCodeAndDescription() {
    assertThat(AgentErrors.describe(Status.UNAVAILABLE.withDescription("io exception").asRuntimeException()))
        .isEqualTo("UNAVAILABLE: io exception");
    assertThat(AgentErrors.describe(Status.DEADLINE_EXCEEDED.asRuntimeException())).isEqualTo("DEADLINE_EXCEEDED");
  }

  @Test
  void theStatusIsFoundUnderTheWrappersOfAnAsyncCall() {
    Throwable wrapped = new CompletionException(new RuntimeException("outer",
        Status.FAILED_PRECONDITION.withDescription("o2cb cluster iscsi is not online").withCause(
            new IllegalStateException("inner detail")).asRuntimeException()));

    assertThat(AgentErrors.describe(wrapped)).isEqualTo("FAILED_PRECONDITION: o2cb cluster iscsi is not online");
  }

  @Test
  void anythingElseIsItsInnermostCause() {
    assertThat(AgentErrors.describe(new CompletionException(new IllegalStateException(
        "spec.target.chapSecretRef: Secret storage/chap not found"))))
        .isEqualTo("IllegalStateException: spec.target.chapSecretRef: Secret storage/chap not found");
    assertThat(AgentErrors.describe(new NullPointerException())).isEqualTo("NullPointerException");
  }
}
