package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class WriterLogTest {

  private static final String FILE = """
      2026-12-01T18:00:00Z
      2026-12-01T18:00:01Z
      2026-12-01T18:00:02Z
      2026-12-01T18:00:14Z
      2026-12-01T18:00:15Z
      """;

  @Test
  void theLongestGapInAWindowIsThePause() {
    WriterLog.Window w = WriterLog.parse(FILE, "").window(Instant.parse("2026-12-01T18:00:00Z"),
        Instant.parse("2026-12-01T18:00:16Z"));
    assertThat(w.writes()).isEqualTo(5);
    assertThat(w.longestGapSeconds()).isEqualTo(12.0);
    assertThat(w.failedWrites()).isZero();
  }

  @Test
  void aWindowWithoutWritesIsOneGap() {
    WriterLog.Window w = WriterLog.parse(FILE, "").window(Instant.parse("2026-12-01T18:00:03Z"),
        Instant.parse("2026-12-01T18:00:10Z"));
    assertThat(w.writes()).isZero();
    assertThat(w.longestGapSeconds()).isEqualTo(7.0);
  }

  @Test
  void failedWritesCountInTheirWindowAndUnreadableOnesEverywhere() {
    String log = """
        sh: can't create /share/w.log: Input/output error
        write failed at 2026-12-01T18:00:05Z
        write failed at 2026-12-01T19:00:05Z
        write failed at garbage
        """;
    WriterLog.Window w = WriterLog.parse(FILE, log).window(Instant.parse("2026-12-01T18:00:00Z"),
        Instant.parse("2026-12-01T18:00:16Z"));
    assertThat(w.failedWrites()).isEqualTo(2);
  }
}
