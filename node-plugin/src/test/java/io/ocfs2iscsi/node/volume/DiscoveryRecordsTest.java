package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.discoveryRecord;
import static io.ocfs2iscsi.node.testing.ReferenceHost.nodeRecord;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SendTargets discovery writes a node record for every target the portal advertises, and with node.startup
 * automatic (a common iscsid.conf default) the host logs in to all of them at the next boot. The plugin keeps only
 * the records its volume asked for, never changes or removes a record that existed before, and leaves no
 * discovery credentials behind.
 */
class DiscoveryRecordsTest {

  private static final String OTHER_IQN = "iqn.2016-02.local.virtual:virtual.vg2";
  private static final String ADMIN_RECORD =
      "# BEGIN RECORD 2.1.8\nnode.name = " + OTHER_IQN + "\nnode.tpgt = 1\nnode.startup = automatic\n"
          + "node.session.auth.authmethod = CHAP\nnode.session.auth.username = admin-user\n"
          + "node.session.auth.password = Admin-Passw0rd\n# END RECORD\n";
  private static final Map<String, String> DISCOVERY_CHAP =
      Map.of(ChapSecretKeys.DISCOVERY_USERNAME, "disc-user-77", ChapSecretKeys.DISCOVERY_PASSWORD, "DiscS3cret-88");

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    host.alsoAdvertised.add(OTHER_IQN);
  }

  private static Requests.Stage stage(Map<String, String> secrets) {
    return new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), secrets, List.of());
  }

  @Test
  void discoveryOfAPortalAdvertisingTwoTargetsLeavesOnlyTheAskedTargetsRecords() {
    host.stager.stage(stage(Map.of()));

    assertThat(host.exists(nodeRecord(IQN, PORTAL_A))).isTrue();
    assertThat(host.exists(nodeRecord(IQN, PORTAL_B))).isTrue();
    assertThat(host.exists(nodeRecord(OTHER_IQN, PORTAL_A))).isFalse();
    assertThat(host.exists(nodeRecord(OTHER_IQN, PORTAL_B))).isFalse();
  }

  @Test
  void aRecordIscsiadmRefusesToDeleteIsReportedAndTheStageGoesOn() {
    host.fake.on("iscsiadm", "-m", "node", "-T", OTHER_IQN, "-p", PORTAL_B, "-o", "delete")
        .reply(Reply.fail(15, "iscsiadm: This command will remove the record [iface: default, target: " + OTHER_IQN
            + ", portal: 10.20.1.180,3260], but a session is using it. Logout session then rerun command to remove"
            + " record.\n"));

    try (LogCapture log = new LogCapture()) {
      host.stager.stage(stage(Map.of()));

      assertThat(host.fake.calls()).contains("iscsiadm -m node -T " + OTHER_IQN + " -p " + PORTAL_A + " -o delete");
      assertThat(log.lines()).anyMatch(l -> l.contains("could not remove the node record of " + OTHER_IQN));
      assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);
    }
  }

  @Test
  void aRecordAddedBesideOneOfTheSamePortalUnderAnotherTagIsLeft() {
    String tag2 = "/etc/iscsi/nodes/" + OTHER_IQN + "/192.168.0.180,3260,2/default";
    host.write(tag2, ADMIN_RECORD);

    host.stager.stage(stage(Map.of()));

    assertThat(host.read(tag2)).isEqualTo(ADMIN_RECORD);
    assertThat(host.fake.calls()).doesNotContain("iscsiadm -m node -T " + OTHER_IQN + " -p " + PORTAL_A + " -o delete");
  }

  @Test
  void aRecordOfTheOtherTargetThatExistedBeforeStaysAsItWas() {
    host.write(nodeRecord(OTHER_IQN, PORTAL_A), ADMIN_RECORD);

    host.stager.stage(stage(Map.of()));

    assertThat(host.read(nodeRecord(OTHER_IQN, PORTAL_A))).isEqualTo(ADMIN_RECORD);
    assertThat(host.exists(nodeRecord(OTHER_IQN, PORTAL_B))).as("added by this discovery").isFalse();
  }

  @Test
  void theDiscoveryChapFileIsGoneAfterASuccessfulStage() {
    host.stager.stage(stage(DISCOVERY_CHAP));

    assertThat(host.loggedIn).containsExactlyInAnyOrder(PORTAL_A, PORTAL_B);
    assertThat(host.exists(discoveryRecord(PORTAL_A))).isFalse();
    assertThat(host.exists(discoveryRecord(PORTAL_B))).isFalse();
  }

  @Test
  void theDiscoveryChapFileIsGoneAfterAFailedDiscovery() {
    host.downPortals.addAll(List.of(PORTAL_A, PORTAL_B));

    assertThatThrownBy(() -> host.stager.stage(stage(DISCOVERY_CHAP))).isInstanceOf(NodeException.class);

    assertThat(host.exists(discoveryRecord(PORTAL_A))).isFalse();
    assertThat(host.exists(discoveryRecord(PORTAL_B))).isFalse();
  }

  @Test
  void aDiscoveryRecordThatExistedBeforeGetsItsOwnContentBack() {
    String admins = "# BEGIN RECORD 2.1.8\ndiscovery.startup = manual\ndiscovery.type = sendtargets\n"
        + "discovery.sendtargets.auth.authmethod = None\n# END RECORD\n";
    host.write(discoveryRecord(PORTAL_A), admins);

    host.stager.stage(stage(DISCOVERY_CHAP));

    assertThat(host.read(discoveryRecord(PORTAL_A))).isEqualTo(admins);
  }
}
