package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScsiIdParserTest {

  @Test
  void iscsiLunsOfTheReferenceAgree() {
    assertThat(ScsiId.parse(captured("reference/scsi-id-sdc.txt"))).contains("23238363932313833");
    assertThat(ScsiId.parse(captured("reference/scsi-id-sdd.txt"))).contains("23238363932313833");
  }

  @Test
  void localDisksDiffer() {
    assertThat(ScsiId.parse(captured("reference/scsi-id-sda.txt"))).contains("0QEMU    QEMU HARDDISK   drive-scsi0");
    assertThat(ScsiId.parse(captured("reference/scsi-id-sdb.txt"))).isNotEqualTo(
        ScsiId.parse(captured("reference/scsi-id-sda.txt")));
  }

  @Test
  void nothingPrintedWhileUdevIsBusy() {
    assertThat(ScsiId.parse("")).isEmpty();
    assertThat(ScsiId.parse("\n  \n")).isEmpty();
  }
}
