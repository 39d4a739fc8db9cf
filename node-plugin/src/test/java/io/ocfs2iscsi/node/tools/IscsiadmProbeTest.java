package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import org.junit.jupiter.api.Test;

/** The path repair's probe: record-free SendTargets, classified on the guests' captured answers. */
class IscsiadmProbeTest {

  static final String IQN = "iqn.2016-02.local.virtual:virtual.vg1";

  FakeCommandRunner fake = new FakeCommandRunner();
  Iscsiadm iscsiadm = new Iscsiadm(fake);

  private FakeCommandRunner.Rule probeOf(String portal) {
    return fake.on("iscsiadm", "-m", "discovery", "-t", "sendtargets", "-p", portal, "-o", "nonpersistent");
  }

  @Test
  void anAnsweringPortalListsWhatItOffers() {
    probeOf("10.20.1.180:3260").reply(Reply.ok(captured("e2e/iscsiadm-discovery-portal-b.txt")));

    Iscsiadm.Probe p = iscsiadm.probe(Portal.parse("10.20.1.180:3260"));

    assertThat(p.answered()).isTrue();
    assertThat(p.offered()).extracting(DiscoveredPortal::target).containsExactly(IQN);
  }

  @Test
  void aRefusedConnectionIsNoAnswer() {
    probeOf("192.168.0.180:3261")
        .reply(new Reply(11, captured("e2e/iscsiadm-discovery-refused.txt"),
            captured("e2e/iscsiadm-discovery-refused.stderr.txt")));

    Iscsiadm.Probe p = iscsiadm.probe(Portal.parse("192.168.0.180:3261"));

    assertThat(p.answered()).isFalse();
    assertThat(p.problem()).contains("exited 11").contains("Connection refused");
  }

  @Test
  void aTimeoutIsNoAnswerAndAnAuthenticationRefusalIsOne() {
    probeOf("10.20.1.180:3260").reply(new Reply(-1, "", "timed out"));
    probeOf("192.168.0.180:3260").reply(new Reply(24, "", "iscsiadm: Login failed to authenticate with target\n"));

    assertThat(iscsiadm.probe(Portal.parse("10.20.1.180:3260")).answered()).isFalse();
    Iscsiadm.Probe refused = iscsiadm.probe(Portal.parse("192.168.0.180:3260"));
    assertThat(refused.answered()).as("reachable, discovery needs CHAP: the login decides").isTrue();
    assertThat(refused.offered()).isEmpty();
  }

  @Test
  void aSilentPortalCostsTheProbeAtMostTenSeconds() {
    java.util.List<io.ocfs2iscsi.node.host.Command> sent = new java.util.ArrayList<>();
    Iscsiadm recording = new Iscsiadm(c -> {
      sent.add(c);
      return new io.ocfs2iscsi.node.host.CommandResult(c, -1, "", "timed out");
    });

    recording.probe(Portal.parse("10.20.1.180:3260"));

    assertThat(sent).singleElement()
        .satisfies(c -> assertThat(c.timeout()).isLessThanOrEqualTo(java.time.Duration.ofSeconds(10)));
  }
}
