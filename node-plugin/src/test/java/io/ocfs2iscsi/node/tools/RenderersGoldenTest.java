package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.Fixtures.golden;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** cluster.conf and multipath drop-ins are compared byte for byte with golden files written by hand. */
class RenderersGoldenTest {

  private static final ClusterConf REFERENCE =
      new ClusterConf(
          "iscsi",
          List.of(
              new ClusterConf.Node("drbd02", 1, "10.10.1.19", 7777),
              new ClusterConf.Node("drbd01", 0, "10.10.1.17", 7777)));

  @Test
  void referenceClusterConf() {
    assertThat(REFERENCE.render()).isEqualTo(golden("cluster-reference.conf"));
  }

  @Test
  void renderedClusterConfMeansWhatTheReferenceFileMeans() {
    // The reference file is indented with spaces; parsing both must give the same cluster.
    assertThat(ClusterConf.parse(captured("reference/cluster.conf"), "iscsi")).isEqualTo(REFERENCE);
    assertThat(ClusterConf.parse(REFERENCE.render(), "iscsi")).isEqualTo(REFERENCE);
  }

  @Test
  void clusterConfWithGapsInNumbersIsWrittenInNumberOrder() {
    ClusterConf conf =
        new ClusterConf(
            "prod_1",
            List.of(
                new ClusterConf.Node("node-b.example.org", 7, "10.0.0.2", 7778),
                new ClusterConf.Node("node-a", 2, "10.0.0.1", 7778),
                new ClusterConf.Node("node-c", 0, "10.0.0.3", 7778)));

    assertThat(conf.render()).isEqualTo(golden("cluster-three-nodes-gaps.conf"));
  }

  @Test
  void parsingAnotherClusterFails() {
    assertThatThrownBy(() -> ClusterConf.parse(captured("reference/cluster.conf"), "other"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void referenceMultipathVolumeDropIn() {
    String rendered =
        MultipathConfig.renderVolume(
            new MultipathConfig.VolumeEntry(
                "mylun", "mylun", "23238363932313833", "SCST_FIO", "VDISK-LUN01", "multibus", "round-robin 0",
                "readsector0", "immediate", "1", 10));

    assertThat(rendered).isEqualTo(golden("multipath-reference-mylun.conf"));
  }

  @Test
  void aVolumeFencedWithPersistentReservationsNamesThisNodesKey() {
    String rendered =
        MultipathConfig.renderVolume(
            new MultipathConfig.VolumeEntry(
                "mylun", "mylun", "23238363932313833", "SCST_FIO", "VDISK-LUN01", "multibus", "round-robin 0",
                "readsector0", "immediate", "1", 10, ReservationKey.of("iscsi", 1)));

    assertThat(rendered).isEqualTo(golden("multipath-reference-mylun-reservation-key.conf"));
  }

  @Test
  void vendorThatWouldNeedEscapingGetsNoDeviceEntry() {
    String rendered =
        MultipathConfig.renderVolume(
            new MultipathConfig.VolumeEntry(
                "data-2", "data2", "360000000000000000e00000000010001", "ODD\"VENDOR", "X(1)", "failover",
                "service-time 0", "tur", "manual", "queue", 10));

    assertThat(rendered).isEqualTo(golden("multipath-no-device-entry.conf"));
  }

  @Test
  void referenceHostDropInBlacklistsTheLocalDisks() {
    String rendered =
        MultipathConfig.renderHost(
            3, List.of("0QEMU_QEMU_HARDDISK_drive-scsi1", "0QEMU_QEMU_HARDDISK_drive-scsi0",
                "0QEMU_QEMU_HARDDISK_drive-scsi1"));

    assertThat(rendered).isEqualTo(golden("multipath-host-reference.conf"));
  }

  @Test
  void volumeFileIsNamedAfterTheAlias() {
    assertThat(MultipathConfig.volumeFile("mylun")).isEqualTo("/etc/multipath/conf.d/ocfs2iscsi-mylun.conf");
  }
}
