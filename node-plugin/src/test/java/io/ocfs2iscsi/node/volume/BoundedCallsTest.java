package io.ocfs2iscsi.node.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class BoundedCallsTest {

  @Test
  void aCallAfterTheWorkEndedStartsAfreshAndNeverGetsTheOldAnswer() {
    try (BoundedCalls calls = new BoundedCalls(Duration.ofSeconds(10))) {
      AtomicInteger runs = new AtomicInteger();
      List<Integer> answers = new ArrayList<>();
      for (int i = 0; i < 3000; i++) {
        answers.add(calls.run("NodeGetVolumeStats", "mylun", "/t", "same request", Optional.empty(),
            runs::incrementAndGet));
      }
      assertThat(runs.get()).isEqualTo(3000);
      assertThat(answers).doesNotHaveDuplicates();
    }
  }

  @Test
  void onlyAnEqualRequestJoinsTheWorkThatStillRuns() throws Exception {
    try (BoundedCalls calls = new BoundedCalls(Duration.ofMillis(300))) {
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger runs = new AtomicInteger();
      java.util.function.Supplier<Integer> stuck = () -> {
        runs.incrementAndGet();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return 7;
      };
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> calls.run("NodeUnstageVolume", "mylun", "/s", "request A", Optional.empty(), stuck))
            .isInstanceOfSatisfying(NodeException.class,
                e -> assertThat(e.code()).isEqualTo(NodeException.Code.DEADLINE_EXCEEDED));
      }
      assertThat(runs.get()).as("the retry joined").isEqualTo(1);
      assertThat(calls.run("NodeUnstageVolume", "mylun", "/s", "request B", Optional.empty(), () -> 8))
          .as("another request runs on its own").isEqualTo(8);
      release.countDown();
      assertThat(calls.run("NodeUnstageVolume", "mylun", "/s", "request A", Optional.of(Duration.ofSeconds(5)),
          stuck)).isEqualTo(7);
    }
  }

  @Test
  void theBoundIsTheCallersDeadlineLessAMarginAtMostTheDefault() {
    try (BoundedCalls calls = new BoundedCalls(Duration.ofSeconds(90))) {
      assertThat(calls.bound(Optional.empty())).isEqualTo(Duration.ofSeconds(90));
      assertThat(calls.bound(Optional.of(Duration.ofSeconds(120)))).isEqualTo(Duration.ofSeconds(90));
      assertThat(calls.bound(Optional.of(Duration.ofSeconds(30)))).isEqualTo(Duration.ofSeconds(29));
      assertThat(calls.bound(Optional.of(Duration.ofMillis(500)))).isEqualTo(Duration.ZERO);
    }
  }
}
