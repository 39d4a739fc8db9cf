package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The parser of fio's JSON report, on real output: fio 3.33 in a test bed guest, a 70/30 4 KiB random job at queue
 * depth 16 on the raw multipath map of the second LUN.
 */
class FioTest {

  static String captured(String name) throws IOException {
    try (InputStream in = FioTest.class.getResourceAsStream("/fio/" + name)) {
      assertThat(in).as("test resource /fio/%s", name).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void readsTheReadAndWriteRatesOfAMixedJob() throws IOException {
    Fio.Result r = Fio.Result.parse(captured("randrw70-4k-qd16-mpath.json"));
    assertThat(r.readBytesPerSecond()).isEqualTo(17008490);
    assertThat(r.readIops()).isCloseTo(4149.134487, within(1e-6));
    assertThat(r.writeBytesPerSecond()).isEqualTo(7242993);
    assertThat(r.writeIops()).isCloseTo(1766.644474, within(1e-6));
    assertThat(r.mbPerSecond()).isCloseTo(24.251483, within(1e-6));
    assertThat(r.plus(r).iops()).isCloseTo(2 * (4149.134487 + 1766.644474), within(1e-6));
  }

  @Test
  void refusesAReportWithAnErrorOrWithoutSections() throws IOException {
    String ok = captured("randrw70-4k-qd16-mpath.json");
    assertThatThrownBy(() -> Fio.Result.parse(ok.replaceFirst("\"error\" : 0", "\"error\" : 5")))
        .hasMessageContaining("fio reported error 5");
    assertThatThrownBy(() -> Fio.Result.parse("fio: pid=12, err=2/file:filesetup.c"))
        .hasMessageContaining("not a fio JSON report");
    assertThatThrownBy(() -> Fio.Result.parse(ok.replace("\"write\" : {", "\"wr\" : {")))
        .hasMessageContaining("no \"write\" section");
  }

  @Test
  void writesTheJobsAsArgumentVectorsAndValidatesTheTarget() {
    Fio.Job mix = Fio.JOBS.get(4);
    assertThat(String.join(" ", Fio.argv(mix, new Fio.Target("/dev/mapper/mpatha", "1792M", "256M"), 3, 1)))
        .isEqualTo("fio --name=rand-rw70-4k-qd16 --filename=/dev/mapper/mpatha --offset=1792M --size=256M"
            + " --ioengine=libaio --direct=1 --rw=randrw --bs=4k --iodepth=16 --rwmixread=70 --time_based"
            + " --runtime=3 --ramp_time=1 --fallocate=none --group_reporting --output-format=json");
    assertThatThrownBy(() -> Fio.Target.file("/mnt/a file", "256M")).hasMessageContaining("fio filename");
    assertThatThrownBy(() -> Fio.Target.file("/mnt/../etc", "256M")).hasMessageContaining("fio filename");
    assertThatThrownBy(() -> new Fio.Target("/dev/sda", "1G;", "256M")).hasMessageContaining("offset and size");
    assertThatThrownBy(() -> Fio.fillArgv(Fio.Target.file("/mnt/f", "1M"), "posix"))
        .hasMessageContaining("fallocate must be");
  }
}
