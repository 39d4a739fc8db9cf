package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandLogTest {

  /** Lines as the plugin's logback pattern writes them at DEBUG, with other loggers' lines in between. */
  static final String LOG = String.join("\n",
      "2026-12-01T21:10:00.001Z DEBUG ProcessCommandRunner: run: iscsiadm -m session",
      "2026-12-01T21:10:00.040Z DEBUG ProcessCommandRunner: iscsiadm -m session -> 0 in 38 ms",
      "2026-12-01T21:10:00.100Z INFO  ProcessCommandRunner: iscsiadm -m session -> exit 21 in 35 ms: No active sessions.",
      "2026-12-01T21:10:01.000Z DEBUG ProcessCommandRunner: /lib/udev/scsi_id --whitelisted --device=/dev/sda -> 0 in"
          + " 120 ms",
      "2026-12-01T21:10:05.000Z INFO  ProcessCommandRunner: mount -t ocfs2 /dev/mapper/mylun /x -> exit -2 in 4000 ms:"
          + " timed out",
      "2026-12-01T21:10:06.000Z INFO  VolumeStager: stage steps of mylun: iscsi_login=1.23s total=16.68s",
      "2026-12-01T21:10:06.000Z INFO  VolumeStager: a line that says -> 0 in 99 ms but is not a command");

  @Test
  void sumsCommandTimesPerProgramSuccessfulOrNot() {
    assertThat(CommandLog.millisPerProgram(LOG))
        .containsExactly(Map.entry("iscsiadm", 73L), Map.entry("scsi_id", 120L), Map.entry("mount", 4000L));
    assertThat(CommandLog.totalMillis(LOG)).isEqualTo(4193);
    assertThat(CommandLog.count(LOG)).isEqualTo(4);
  }

  @Test
  void emptyLogHasNoCommands() {
    assertThat(CommandLog.millisPerProgram("")).isEmpty();
    assertThat(CommandLog.totalMillis("")).isZero();
  }
}
