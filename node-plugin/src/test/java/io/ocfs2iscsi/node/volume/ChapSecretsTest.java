package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CHAP values reach the node record files (0600) and nothing else: not argv, not logs, not error messages. */
class ChapSecretsTest {

  private static final Map<String, String> SECRETS =
      Map.of(
          ChapSecretKeys.SESSION_USERNAME, "chap-user-0451",
          ChapSecretKeys.SESSION_PASSWORD, "S3cretPassw0rd!",
          ChapSecretKeys.SESSION_USERNAME_IN, "target-user-9113",
          ChapSecretKeys.SESSION_PASSWORD_IN, "An0ther-S3cret#");

  @TempDir Path root;
  ReferenceHost host;
  VolumeSpec spec;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    spec = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder().setChap(true))
        .build();
  }

  private Requests.Stage stage(Map<String, String> secrets) {
    return new Requests.Stage("mylun", STAGING, spec, secrets, List.of());
  }

  @Test
  void chapGoesIntoTheNodeRecordFilesOnly() throws Exception {
    try (LogCapture logs = new LogCapture()) {
      host.stager.stage(stage(SECRETS));

      for (String portal : List.of(PORTAL_A, PORTAL_B)) {
        Path record = root.resolve("etc/iscsi/nodes/" + IQN + "/" + portal.replace(':', ',') + ",1/default");
        assertThat(Files.readString(record))
            .contains("node.session.auth.authmethod = CHAP")
            .contains("node.session.auth.username = chap-user-0451")
            .contains("node.session.auth.password = S3cretPassw0rd!")
            .contains("node.session.auth.username_in = target-user-9113")
            .contains("node.session.auth.password_in = An0ther-S3cret#");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(record))).isEqualTo("rw-------");
      }
      assertThat(logs.lines()).isNotEmpty();
      assertNoSecretIn(logs.lines());
      assertNoSecretIn(host.fake.calls());
      assertNoSecretIn(List.of(Files.readString(root.resolve("var/lib/ocfs2iscsi/volumes/mylun.properties"))));
    }
  }

  @Test
  void aFailedLoginNeverShowsTheSecretEvenIfTheToolEchoesIt() {
    for (String portal : List.of(PORTAL_A, PORTAL_B)) {
      host.fake.on("iscsiadm", "-m", "node", "-T", IQN, "-p", portal, "--login")
          .reply(Reply.fail(24, "iscsiadm: Login failed to authenticate with target (user chap-user-0451,"
              + " secret S3cretPassw0rd!)\niscsiadm: Could not log into all portals\n"));
    }
    try (LogCapture logs = new LogCapture()) {
      assertThatThrownBy(() -> host.stager.stage(stage(SECRETS)))
          .isInstanceOfSatisfying(NodeException.class, e -> {
            assertThat(e.code()).isEqualTo(NodeException.Code.INTERNAL);
            assertThat(e.getMessage()).contains("CHAP authentication failed").contains("***");
            assertNoSecretIn(List.of(e.getMessage()));
          });
      assertThat(logs.lines()).anyMatch(l -> l.contains("CHAP authentication failed"));
      assertNoSecretIn(logs.lines());
    }
  }

  @Test
  void chapExpectedButMissingIsInvalid() {
    assertThatThrownBy(() -> host.stager.stage(stage(Map.of())))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT))
        .hasMessageContaining(ChapSecretKeys.SESSION_USERNAME);
    assertThat(host.fake.calls()).isEmpty();
  }

  @Test
  void aSecretThatWouldBreakTheRecordIsRefusedWithoutEchoingIt() {
    Map<String, String> broken =
        Map.of(ChapSecretKeys.SESSION_USERNAME, "u-1234", ChapSecretKeys.SESSION_PASSWORD, "pass\nnode.startup = x");

    assertThatThrownBy(() -> host.stager.stage(stage(broken)))
        .isInstanceOfSatisfying(NodeException.class, e -> {
          assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT);
          assertThat(e.getMessage()).contains(ChapSecretKeys.SESSION_PASSWORD).doesNotContain("node.startup = x");
        });
  }

  @Test
  void halfAPairIsInvalid() {
    assertThatThrownBy(() -> ChapCredentials.from(Map.of(ChapSecretKeys.SESSION_USERNAME, "u-1234"), false))
        .isInstanceOf(NodeException.class)
        .hasMessageContaining(ChapSecretKeys.SESSION_PASSWORD);
  }

  @Test
  void discoveryChapIsInTheDiscoveryRecordOnlyWhileTheDiscoveryRuns() throws Exception {
    Path stConfig = root.resolve("etc/iscsi/send_targets/192.168.0.180,3260/st_config");
    Map<String, String> withDiscovery = new java.util.HashMap<>(SECRETS);
    withDiscovery.put(ChapSecretKeys.DISCOVERY_USERNAME, "disc-user-77");
    withDiscovery.put(ChapSecretKeys.DISCOVERY_PASSWORD, "DiscS3cret-88");
    List<String> duringDiscovery = new java.util.ArrayList<>();
    for (String portal : List.of(PORTAL_A, PORTAL_B)) {
      host.write(
          ReferenceHost.nodeRecord(IQN, portal), "# BEGIN RECORD 2.1.8\nnode.name = " + IQN + "\n# END RECORD\n");
    }
    host.fake.on("iscsiadm", "-m", "discoverydb", "-t", "sendtargets", "-p", PORTAL_A, "-o", "new", "--discover")
        .answer(a -> {
          duringDiscovery.add(host.read("/etc/iscsi/send_targets/192.168.0.180,3260/st_config"));
          return Reply.ok(io.ocfs2iscsi.node.Fixtures.captured("reference/iscsiadm-discovery.txt"));
        });

    host.stager.stage(stage(withDiscovery));

    assertThat(duringDiscovery).singleElement().asString()
        .contains("discovery.sendtargets.auth.authmethod = CHAP")
        .contains("discovery.sendtargets.auth.password = DiscS3cret-88");
    assertThat(stConfig).doesNotExist();
    assertThat(host.fake.calls())
        .contains(
            "iscsiadm -m discoverydb -t sendtargets -p " + PORTAL_A + " -o new",
            "iscsiadm -m discoverydb -t sendtargets -p " + PORTAL_A + " -o new --discover")
        .noneMatch(c -> c.contains("DiscS3cret-88") || c.contains("disc-user-77"));
  }

  private static void assertNoSecretIn(List<String> texts) {
    for (String t : texts) {
      for (String secret : SECRETS.values()) {
        assertThat(t).doesNotContain(secret);
      }
    }
  }
}
