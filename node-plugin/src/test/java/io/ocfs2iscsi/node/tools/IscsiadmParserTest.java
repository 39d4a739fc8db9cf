package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IscsiadmParserTest {

  private static final String IQN = "iqn.2016-02.local.virtual:virtual.vg1";

  @Test
  void sessionsOfTheReferenceSetup() {
    List<IscsiSession> sessions = Iscsiadm.parseSessions(captured("reference/iscsiadm-session-P1.txt"));

    assertThat(sessions)
        .containsExactly(
            new IscsiSession(IQN, Portal.parse("192.168.0.180:3260"), 1, 1, "LOGGED_IN", "LOGGED IN", "default"),
            new IscsiSession(IQN, Portal.parse("10.20.1.180:3260"), 1, 2, "LOGGED_IN", "LOGGED IN", "default"));
    assertThat(sessions).allMatch(IscsiSession::loggedIn);
  }

  @Test
  void aSessionPastItsRecoveryTimeoutIsFree() {
    List<IscsiSession> sessions = Iscsiadm.parseSessions(captured("e2e/iscsiadm-session-P1-path-failed.txt"));

    assertThat(sessions).extracting(IscsiSession::sid, IscsiSession::sessionState, IscsiSession::free)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1, "LOGGED_IN", false),
            org.assertj.core.groups.Tuple.tuple(2, "FREE", true));
    assertThat(sessions.get(1).connectionState()).isEqualTo("TRANSPORT WAIT");
  }

  @Test
  void sessionsBoundToTheirNicsCarryTheIfaceAndTheNetdev() {
    List<IscsiSession> sessions = Iscsiadm.parseSessions(captured("e2e/iscsiadm-session-P1-bound.txt"));

    assertThat(sessions)
        .containsExactly(
            new IscsiSession(IQN, Portal.parse("192.168.0.180:3260"), 1, 3, "LOGGED_IN", "LOGGED IN",
                "ocfs2iscsi-vec0", "vec0"),
            new IscsiSession(IQN, Portal.parse("10.20.1.180:3260"), 1, 4, "LOGGED_IN", "LOGGED IN",
                "ocfs2iscsi-vec1", "vec1"));
  }

  @Test
  void anUnboundSessionHasNoNetdevInEitherSpelling() {
    assertThat(Iscsiadm.parseSessions(captured("e2e/iscsiadm-session-P1.txt")))
        .as("bookworm's iscsiadm prints 'default'").hasSize(2).allMatch(s -> s.netdev().isEmpty());
    assertThat(Iscsiadm.parseSessions(captured("reference/iscsiadm-session-P1.txt")))
        .as("the reference's iscsiadm prints '<empty>'").hasSize(2).allMatch(s -> s.netdev().isEmpty());
  }

  @Test
  void newerIscsiadmMarksTargetsNonFlashAndUsesTabs() {
    String out =
        """
        Target: iqn.2016-02.local.virtual:virtual.vg1 (non-flash)
        \tCurrent Portal: 10.20.1.180:3260,1
        \tPersistent Portal: 10.20.1.180:3260,1
        \t\t**********
        \t\tInterface:
        \t\t**********
        \t\tIface Name: default
        \t\tSID: 7
        \t\tiSCSI Connection State: TRANSPORT WAIT
        \t\tiSCSI Session State: FAILED
        \t\tInternal iscsid Session State: REPOEN
        """;

    List<IscsiSession> sessions = Iscsiadm.parseSessions(out);

    assertThat(sessions).hasSize(1);
    IscsiSession s = sessions.get(0);
    assertThat(s.target()).isEqualTo(IQN);
    assertThat(s.sid()).isEqualTo(7);
    assertThat(s.loggedIn()).isFalse();
    assertThat(s.sessionState()).isEqualTo("FAILED");
    assertThat(s.connectionState()).isEqualTo("TRANSPORT WAIT");
  }

  @Test
  void sessionsOfTwoTargetsKeepTheirTarget() {
    String out =
        """
        Target: iqn.2020-01.a:one
        \tCurrent Portal: 192.168.0.1:3260,1
        \tPersistent Portal: 192.168.0.1:3260,1
        \t\tSID: 1
        \t\tiSCSI Session State: LOGGED_IN
        Target: iqn.2020-01.b:two
        \tCurrent Portal: [fd00::5]:3260,2
        \tPersistent Portal: [fd00::5]:3260,2
        \t\tSID: 3
        \t\tiSCSI Session State: LOGGED_IN
        """;

    List<IscsiSession> sessions = Iscsiadm.parseSessions(out);

    assertThat(sessions).extracting(IscsiSession::target).containsExactly("iqn.2020-01.a:one", "iqn.2020-01.b:two");
    assertThat(sessions.get(1).portal()).isEqualTo(new Portal("fd00::5", 3260));
    assertThat(sessions.get(1).tpgt()).isEqualTo(2);
  }

  @Test
  void discoveryOfTheReferenceSetup() {
    List<DiscoveredPortal> found = Iscsiadm.parseDiscovery(captured("reference/iscsiadm-discovery.txt"));

    assertThat(found)
        .containsExactly(
            new DiscoveredPortal(Portal.parse("192.168.0.180:3260"), 1, IQN),
            new DiscoveredPortal(Portal.parse("10.20.1.180:3260"), 1, IQN));
  }

  @Test
  void discoveryIgnoresNoise() {
    assertThat(Iscsiadm.parseDiscovery("iscsiadm: some warning\n\n")).isEmpty();
  }

  @Test
  void exitCodesHaveReadableMeanings() {
    assertThat(Iscsiadm.meaning(15)).contains("already exists");
    assertThat(Iscsiadm.meaning(19)).contains("ACL");
    assertThat(Iscsiadm.meaning(20)).contains("iscsid");
    assertThat(Iscsiadm.meaning(21)).contains("no session");
    assertThat(Iscsiadm.meaning(24)).contains("CHAP");
    assertThat(Iscsiadm.meaning(1)).isNull();
  }
}
