package io.ocfs2iscsi.node.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IscsiNodeRecordsTest {

  private static final String RECORD =
      """
      # BEGIN RECORD 2.1.8
      node.name = iqn.2016-02.local.virtual:virtual.vg1
      node.tpgt = 1
      node.startup = manual
      node.session.auth.authmethod = None
      node.session.timeo.replacement_timeout = 120
      node.conn[0].address = 192.168.0.180
      node.conn[0].port = 3260
      # END RECORD
      """;

  @TempDir Path root;

  @Test
  void replacesExistingKeysInPlaceAndAddsNewOnesBeforeTheEnd() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("node.session.auth.authmethod", "CHAP");
    settings.put("node.session.auth.username", "user1");
    settings.put("node.session.auth.password", "pa55word-xyz");

    String out = IscsiNodeRecords.withSettings(RECORD, settings);

    assertThat(out)
        .isEqualTo(
            """
            # BEGIN RECORD 2.1.8
            node.name = iqn.2016-02.local.virtual:virtual.vg1
            node.tpgt = 1
            node.startup = manual
            node.session.auth.authmethod = CHAP
            node.session.timeo.replacement_timeout = 120
            node.conn[0].address = 192.168.0.180
            node.conn[0].port = 3260
            node.session.auth.username = user1
            node.session.auth.password = pa55word-xyz
            # END RECORD
            """);
  }

  @Test
  void recordWithoutEndMarkerGetsTheSettingsAppended() {
    assertThat(IscsiNodeRecords.withSettings("a = 1\n", Map.of("b", "2"))).isEqualTo("a = 1\nb = 2\n");
  }

  @Test
  void writesTheNodeRecordFileOfThePortalPrivately() throws Exception {
    String dir = "/etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg1/192.168.0.180,3260,1";
    Path file = root.resolve(dir.substring(1)).resolve("default");
    Files.createDirectories(file.getParent());
    Files.writeString(file, RECORD);
    Path other = root.resolve("etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg1/10.20.1.180,3260,1/default");
    Files.createDirectories(other.getParent());
    Files.writeString(other, RECORD);

    new IscsiNodeRecords(new HostFiles(root))
        .writeNodeSettings(
            "iqn.2016-02.local.virtual:virtual.vg1",
            Portal.parse("192.168.0.180:3260"),
            Map.of("node.session.auth.password", "s3cret-value"));

    assertThat(Files.readString(file)).contains("node.session.auth.password = s3cret-value");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    assertThat(Files.readString(other)).doesNotContain("s3cret-value");
  }

  @Test
  void rhelLayoutUnderVarLibIscsi() throws Exception {
    Path file = root.resolve("var/lib/iscsi/nodes/iqn.2020-01.x:y/10.0.0.1,3260,1/default");
    Files.createDirectories(file.getParent());
    Files.writeString(file, RECORD);

    new IscsiNodeRecords(new HostFiles(root))
        .writeNodeSettings("iqn.2020-01.x:y", Portal.parse("10.0.0.1:3260"), Map.of("node.session.auth.username", "u"));

    assertThat(Files.readString(file)).contains("node.session.auth.username = u");
  }

  @Test
  void missingRecordIsAnInternalError() {
    assertThatThrownBy(
            () ->
                new IscsiNodeRecords(new HostFiles(root))
                    .writeNodeSettings("iqn.2020-01.x:y", Portal.parse("10.0.0.1:3260"), Map.of("a", "b")))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining("no node record");
  }

  @Test
  void everyNodeRecordOfBothLayoutsIsListed() throws Exception {
    Files.createDirectories(root.resolve("etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg1/192.168.0.180,3260,1"));
    Files.createDirectories(root.resolve("etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg2"));
    Files.writeString(root.resolve("etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg2/fd00::1,3260,2"), RECORD);
    Files.createDirectories(root.resolve("var/lib/iscsi/nodes/iqn.2020-01.x:y/10.0.0.1,3261,-1"));
    Files.createDirectories(root.resolve("var/lib/iscsi/nodes/iqn.2020-01.x:y/not-a-record"));

    assertThat(new IscsiNodeRecords(new HostFiles(root)).all())
        .containsExactlyInAnyOrder(
            record("iqn.2016-02.local.virtual:virtual.vg1", "192.168.0.180:3260"),
            record("iqn.2016-02.local.virtual:virtual.vg2", "[fd00::1]:3260"),
            record("iqn.2020-01.x:y", "10.0.0.1:3261"));
  }

  /**
   * {@code iscsiadm -m node -o new -T IQN -p HOST:PORT} (how the path repair makes a record without discovery) knows
   * no portal group tag, and open-iscsi then writes the record as a file named {@code HOST,PORT} (idbm's old-style
   * layout). A later discovery must not take that record for one it added and delete it.
   */
  @Test
  void aRecordMadeWithoutAPortalGroupTagIsListedAndFound() throws Exception {
    Path dir = root.resolve("etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg1");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("10.20.1.180,3260"), RECORD);
    IscsiNodeRecords records = new IscsiNodeRecords(new HostFiles(root));

    assertThat(records.all()).containsExactly(record("iqn.2016-02.local.virtual:virtual.vg1", "10.20.1.180:3260"));
    assertThat(records.hasNodeRecord("iqn.2016-02.local.virtual:virtual.vg1", Portal.parse("10.20.1.180:3260")))
        .isTrue();
    assertThat(records.hasNodeRecord("iqn.2016-02.local.virtual:virtual.vg1", Portal.parse("10.20.1.18:3260")))
        .isFalse();
  }

  private static IscsiNodeRecords.NodeRecord record(String iqn, String portal) {
    return new IscsiNodeRecords.NodeRecord(iqn, Portal.parse(portal));
  }

  @Test
  void aDiscoveryRecordThatDidNotExistIsRemovedWithItsLinksButNotTheNodeRecords() throws Exception {
    IscsiNodeRecords records = new IscsiNodeRecords(new HostFiles(root));
    Portal portal = Portal.parse("192.168.0.180:3260");
    Map<String, String> before = records.discoveryRecords(portal);
    Path dir = root.resolve("etc/iscsi/send_targets/192.168.0.180,3260");
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("st_config"), "discovery.sendtargets.auth.password = d1sc-secret\n");
    Path node = root.resolve("etc/iscsi/nodes/iqn.2016-02.local.virtual:virtual.vg1/192.168.0.180,3260,1");
    Files.createDirectories(node);
    Files.createSymbolicLink(dir.resolve("iqn.2016-02.local.virtual:virtual.vg1,192.168.0.180,3260,1,default"), node);

    records.restoreDiscoveryRecords(portal, before);

    assertThat(before).isEmpty();
    assertThat(dir).doesNotExist();
    assertThat(node).isDirectory();
  }

  @Test
  void aDiscoveryRecordThatExistedGetsItsContentBackPrivately() throws Exception {
    IscsiNodeRecords records = new IscsiNodeRecords(new HostFiles(root));
    Portal portal = Portal.parse("10.0.0.1:3260");
    Path file = root.resolve("var/lib/iscsi/send_targets/10.0.0.1,3260/st_config");
    Files.createDirectories(file.getParent());
    Files.writeString(file, "discovery.sendtargets.auth.authmethod = None\n");
    Map<String, String> before = records.discoveryRecords(portal);
    records.writeDiscoverySettings(portal, Map.of("discovery.sendtargets.auth.password", "d1sc-secret"));

    records.restoreDiscoveryRecords(portal, before);

    assertThat(Files.readString(file)).isEqualTo("discovery.sendtargets.auth.authmethod = None\n");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
  }
}
