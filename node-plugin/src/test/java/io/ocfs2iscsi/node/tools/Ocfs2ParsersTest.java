package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** mkfs.ocfs2, mounted.ocfs2, service o2cb status, blkid, /proc/mounts and stat -f. */
class Ocfs2ParsersTest {

  @Test
  void mkfsReportOfTheReference() {
    MkfsOcfs2.Report r = MkfsOcfs2.parse(captured("reference/mkfs-ocfs2.txt"));

    assertThat(r.success()).isTrue();
    assertThat(r.label()).isEqualTo("ISCSI");
    assertThat(r.blockSize()).isEqualTo(4096);
    assertThat(r.clusterSize()).isEqualTo(32768);
    assertThat(r.volumeSize()).isEqualTo(21470642176L);
    assertThat(r.nodeSlots()).isEqualTo(4);
    assertThat(r.stack()).isEqualTo("classic o2cb");
  }

  @Test
  void mkfsWithoutSuccessLine() {
    assertThat(MkfsOcfs2.parse("mkfs.ocfs2 1.8.7\nLabel: X\n").success()).isFalse();
  }

  @Test
  void mkfsArgvOfTheReferenceWithTheClusterStackNamed() {
    assertThat(
            MkfsOcfs2.argv(new MkfsOcfs2.Options("4K", "32K", 4, "ISCSI", "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB), "/dev/mapper/mylun"))
        .containsExactly(
            "mkfs.ocfs2", "-b", "4K", "-C", "32K", "-N", "4", "-L", "ISCSI", "--cluster-stack=o2cb",
            "--cluster-name=iscsi", "/dev/mapper/mylun");
    assertThat(MkfsOcfs2.argv(new MkfsOcfs2.Options("4K", "32K", 2, "", "c1", ClusterStackKind.CLUSTER_STACK_O2CB), "/dev/mapper/x"))
        .doesNotContain("-L");
  }

  @Test
  void mkfsArgvForTheUserStackNamesItPcmkAsOcfs2ToolsCallsIt() {
    assertThat(MkfsOcfs2.argv(
            new MkfsOcfs2.Options("4K", "32K", 4, "usr", "iscsi", ClusterStackKind.CLUSTER_STACK_USER),
            "/dev/mapper/usr"))
        .containsExactly(
            "mkfs.ocfs2", "-b", "4K", "-C", "32K", "-N", "4", "-L", "usr", "--cluster-stack=pcmk",
            "--cluster-name=iscsi", "/dev/mapper/usr");
  }

  @Test
  void mountedOcfs2FullOfTheReference() {
    List<MountedOcfs2.Mounters> rows = MountedOcfs2.parseFull(captured("reference/mounted-ocfs2-f.txt"));

    assertThat(rows)
        .containsExactly(
            new MountedOcfs2.Mounters("/dev/sdc", List.of("drbd01", "drbd02")),
            new MountedOcfs2.Mounters("/dev/mapper/mylun", List.of("drbd01", "drbd02")),
            new MountedOcfs2.Mounters("/dev/sdd", List.of("drbd01", "drbd02")));
  }

  @Test
  void mountedOcfs2FullNotMountedAndLongDeviceNames() {
    String out =
        """
        Device                Stack  Cluster  F  Nodes
        /dev/mapper/a-very-long-volume-alias o2cb   iscsi       node1
        /dev/mapper/mylun     o2cb   iscsi       Not mounted
        """;

    List<MountedOcfs2.Mounters> rows = MountedOcfs2.parseFull(out);

    assertThat(rows.get(0)).isEqualTo(new MountedOcfs2.Mounters("/dev/mapper/a-very-long-volume-alias", List.of("node1")));
    assertThat(rows.get(1).nodes()).isEmpty();
  }

  @Test
  void mountedOcfs2Detect() {
    String out =
        """
        Device                Stack  Cluster  F  UUID                              Label
        /dev/mapper/mylun     o2cb   iscsi       6B1A4F0E2C5D4E0F9A8B7C6D5E4F3A2B  ISCSI
        """;

    assertThat(MountedOcfs2.parseDetect(out))
        .containsExactly(
            new MountedOcfs2.Detected("/dev/mapper/mylun", "6B1A4F0E2C5D4E0F9A8B7C6D5E4F3A2B", "ISCSI", "iscsi"));
    assertThat(MountedOcfs2.parseDetect("Device  Stack  Cluster  F  UUID  Label\n")).isEmpty();
  }

  @Test
  void serviceO2cbStatusOfTheReference() {
    O2cbStatus s = O2cbStatus.parseServiceStatus(captured("reference/service-o2cb-status.txt"));

    assertThat(s)
        .isEqualTo(new O2cbStatus(true, true, "iscsi", true, 31, 30000, 2000, 2000, true));
  }

  @Test
  void serviceO2cbStatusOffline() {
    String out =
        """
        Driver for "configfs": Loaded
        Filesystem "configfs": Mounted
        Driver for "ocfs2_dlmfs": Loaded
        Filesystem "ocfs2_dlmfs": Not mounted
        Checking O2CB cluster "iscsi": Offline
        """;

    O2cbStatus s = O2cbStatus.parseServiceStatus(out);

    assertThat(s.online()).isFalse();
    assertThat(s.dlmfsMounted()).isFalse();
    assertThat(s.cluster()).isEqualTo("iscsi");
    assertThat(s.deadThreshold()).isEqualTo(-1);
    assertThat(s.heartbeatActive()).isFalse();
  }

  @Test
  void procMountsOfTheReference() {
    MountTable t = MountTable.parse(captured("reference/proc-mounts-ocfs2.txt") + captured("reference/proc-mounts-ext4.txt"));

    assertThat(t.entries()).hasSize(2);
    MountEntry ocfs2 = t.entries().get(0);
    assertThat(ocfs2.source()).isEqualTo("/dev/mapper/mylun");
    assertThat(ocfs2.mountPoint()).isEqualTo("/share");
    assertThat(ocfs2.fsType()).isEqualTo("ocfs2");
    assertThat(ocfs2.options()).contains("_netdev", "heartbeat=local", "errors=remount-ro", "acl", "user_xattr");
    assertThat(ocfs2.readOnly()).isFalse();
    // The later entry at the same path stacks on top.
    assertThat(t.at("/share/")).map(MountEntry::fsType).contains("ext4");
    assertThat(t.ofSource("/dev/mapper/mylun")).hasSize(2);
  }

  @Test
  void aFilesystemTheKernelRemountedReadOnlyShowsRoBesideErrorsRemountRo() {
    MountEntry before = MountTable.parse(captured("host/proc-mounts-errors-remount-ro.txt")).entries().get(0);
    MountEntry after = MountTable.parse(captured("host/proc-mounts-remounted-ro.txt")).entries().get(0);

    assertThat(before.options()).containsExactly("rw", "relatime", "errors=remount-ro");
    assertThat(before.readOnly()).isFalse();
    assertThat(after.mountPoint()).isEqualTo(before.mountPoint());
    assertThat(after.options()).containsExactly("ro", "relatime", "errors=remount-ro");
    assertThat(after.readOnly()).isTrue();
  }

  @Test
  void procMountsEscapesAndReadOnly() {
    MountTable t =
        MountTable.parse(
            "/dev/mapper/v /var/lib/kubelet/pods/x/volumes/kubernetes.io~csi/pv\\040one/mount ocfs2 ro,relatime 0 0\n");

    MountEntry e = t.entries().get(0);
    assertThat(e.mountPoint()).isEqualTo("/var/lib/kubelet/pods/x/volumes/kubernetes.io~csi/pv one/mount");
    assertThat(e.readOnly()).isTrue();
  }

  @Test
  void blkidExport() {
    Map<String, String> tags =
        Blkid.parseExport("DEVNAME=/dev/mapper/mylun\nUUID=6b1a4f0e-2c5d\nBLOCK_SIZE=4096\nLABEL=ISCSI\nTYPE=ocfs2\n");
    BlkidProbe p = new BlkidProbe(tags, false);

    assertThat(p.ocfs2()).isTrue();
    assertThat(p.blank()).isFalse();
    assertThat(p.uuid()).contains("6b1a4f0e-2c5d");
    assertThat(p.label()).contains("ISCSI");
    assertThat(BlkidProbe.BLANK.blank()).isTrue();
    assertThat(new BlkidProbe(Map.of("PTTYPE", "gpt"), false).blank()).isFalse();
    assertThat(new BlkidProbe(Map.of("PTTYPE", "gpt"), false).describe()).isEqualTo("partition table gpt");
    assertThat(new BlkidProbe(Map.of(), true).blank()).isFalse();
  }

  @Test
  void statfs() {
    Statfs.Usage u = Statfs.parse("4096 524288 400000 400000 131072 131000\n");

    assertThat(u.totalBytes()).isEqualTo(4096L * 524288);
    assertThat(u.usedBytes()).isEqualTo(4096L * (524288 - 400000));
    assertThat(u.availableBytes()).isEqualTo(4096L * 400000);
    assertThat(u.usedInodes()).isEqualTo(72);
    assertThatThrownBy(() -> Statfs.parse("garbage")).isInstanceOf(IllegalArgumentException.class);
  }
}
