package io.ocfs2iscsi.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FormatDeadlinesTest {

  @Test
  void mkfsEndsBeforeTheCallAndTheCallBeforeTheLease() {
    assertThat(FormatDeadlines.MKFS_TIMEOUT).isLessThan(FormatDeadlines.FORMAT_CALL_DEADLINE);
    assertThat(FormatDeadlines.FORMAT_CALL_DEADLINE).isLessThan(FormatDeadlines.FORMAT_LEASE);
  }

  @Test
  void theLeaseIsRenewedThreeTimesPerDuration() {
    assertThat(FormatDeadlines.renewalInterval(FormatDeadlines.FORMAT_LEASE)).isEqualTo(Duration.ofSeconds(200));
    assertThat(FormatDeadlines.renewalInterval(Duration.ofSeconds(6))).isEqualTo(Duration.ofSeconds(2));
  }
}
