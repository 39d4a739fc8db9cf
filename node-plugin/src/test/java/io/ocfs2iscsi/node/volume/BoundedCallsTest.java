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
        answers.add(calls.run("NodeGetVolumeStats", "mylun", "/t", Optional.empty(),
            runs::incrementAndGet));
      }
      assertThat(runs.get()).isEqualTo(3000);
      assertThat(answers).doesNotHaveDuplicates();
    }
  }

}
