package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.IQN;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One NIC per SAN: each bound portal's discovery, node record, login and logout go through an open-iscsi iface bound
 * to the portal's network interface, so its session cannot run over the other network; a node without that
 * interface gets no session on the portal rather than one over whatever the routing table picks.
 */
class PortalBindingTest {

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  private static VolumeSpec bound(String nicA, String nicB) {
    VolumeSpec spec = ReferenceHost.spec();
    return spec.toBuilder()
        .setTarget(spec.getTarget().toBuilder().putPortalInterfaces(PORTAL_A, nicA).putPortalInterfaces(PORTAL_B, nicB))
        .build();
  }

  private static Requests.Stage stage(VolumeSpec spec) {
    return new Requests.Stage(spec.getVolumeId(), STAGING, spec, Map.of(), List.of());
  }

  private List<String> iscsiadmCalls() {
    return host.fake.calls().stream().filter(c -> c.startsWith("iscsiadm ") && !c.contains("-m session")).toList();
  }

  @Test
  void eachPortalIsDiscoveredLoggedInAndConfiguredThroughTheIfaceOfItsNic() {
    host.withInterfaces("eth1", "eth2");

    host.stager.stage(stage(bound("eth1", "eth2")));

    List<String> calls = iscsiadmCalls();
    assertThat(calls).contains(
        "iscsiadm -m iface -I ocfs2iscsi-eth1 -o new",
        "iscsiadm -m iface -I ocfs2iscsi-eth1 -o update -n iface.net_ifacename -v eth1",
        "iscsiadm -m iface -I ocfs2iscsi-eth2 -o new",
        "iscsiadm -m iface -I ocfs2iscsi-eth2 -o update -n iface.net_ifacename -v eth2",
        "iscsiadm -m discovery -t sendtargets -p " + PORTAL_A + " -o new -I ocfs2iscsi-eth1",
        "iscsiadm -m discovery -t sendtargets -p " + PORTAL_B + " -o new -I ocfs2iscsi-eth2",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A
            + " -o update -n node.session.timeo.replacement_timeout -v 10 -I ocfs2iscsi-eth1",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " --login -I ocfs2iscsi-eth1",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_B + " --login -I ocfs2iscsi-eth2");
    assertThat(calls).filteredOn(c -> c.contains(" -m node ") || c.contains(" -m discovery "))
        .as("no node record operation of a bound portal without its iface").allMatch(c -> c.contains(" -I "));
    assertThat(host.ifaceOfSession).containsExactlyInAnyOrderEntriesOf(
        Map.of(PORTAL_A, "ocfs2iscsi-eth1", PORTAL_B, "ocfs2iscsi-eth2"));
    assertThat(host.exists(ReferenceHost.nodeRecord(IQN, PORTAL_A, "ocfs2iscsi-eth1"))).isTrue();
  }

  @Test
  void aRecordThatDiscoveryThroughOneNicMadeForThePortalOfTheOtherIsRemoved() {
    host.withInterfaces("eth1", "eth2");

    host.stager.stage(stage(bound("eth1", "eth2")));

    assertThat(host.exists(ReferenceHost.nodeRecord(IQN, PORTAL_B, "ocfs2iscsi-eth2"))).isTrue();
    assertThat(host.exists(ReferenceHost.nodeRecord(IQN, PORTAL_B, "ocfs2iscsi-eth1")))
        .as("portal B's record through eth1, which discovery through portal A (listing both portals) made")
        .isFalse();
    assertThat(host.exists(ReferenceHost.nodeRecord(IQN, PORTAL_A, "ocfs2iscsi-eth2"))).isFalse();
  }

  @Test
  void healthShowsTheIfaceAndNicOfEachSession() {
    host.withInterfaces("eth1", "eth2");
    host.stager.stage(stage(bound("eth1", "eth2")));

    VolumeHealth h = host.inspector.health(bound("eth1", "eth2"));

    assertThat(h.sessions()).extracting(VolumeHealth.Session::portal, VolumeHealth.Session::iface,
            VolumeHealth.Session::netdev)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(PORTAL_A, "ocfs2iscsi-eth1", "eth1"),
            org.assertj.core.groups.Tuple.tuple(PORTAL_B, "ocfs2iscsi-eth2", "eth2"));
    assertThat(h.problems()).noneMatch(p -> p.contains("not bound"));
  }

  @Test
  void aSessionThatRunsOutsideItsBindingIsAProblemInTheHealth() {
    host.stager.stage(stage(ReferenceHost.spec()));

    VolumeHealth h = host.inspector.health(bound("eth1", "eth2"));

    assertThat(h.problems()).contains("session 1 on " + PORTAL_A + " is not bound to network interface eth1"
        + " (target.portalInterfaces) but runs through iface default (the routing table's choice): it existed before"
        + " the binding; log it out for the binding to apply");
  }

  @Test
  void aNodeWithoutTheNicGetsNoSessionOnThatPortalAndSaysWhy() {
    host.withInterfaces("eth1");

    host.stager.stage(stage(bound("eth1", "eth2")));

    assertThat(host.loggedIn).containsExactly(PORTAL_A);
    assertThat(iscsiadmCalls()).noneMatch(c -> c.contains(PORTAL_B) && c.contains("--login"));
    assertThat(iscsiadmCalls()).noneMatch(c -> c.contains("ocfs2iscsi-eth2"));
    VolumeHealth h = host.inspector.health(bound("eth1", "eth2"));
    assertThat(h.problems()).contains("no session on " + PORTAL_B);
  }

  @Test
  void unstageLogsOutThroughTheIfaceAndDeletesTheIfacesNoSessionUsesAnyMore() {
    host.withInterfaces("eth1", "eth2");
    host.stager.stage(stage(bound("eth1", "eth2")));
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(iscsiadmCalls()).contains(
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " --logout -I ocfs2iscsi-eth1",
        "iscsiadm -m node -T " + IQN + " -p " + PORTAL_A + " -o delete",
        "iscsiadm -m iface -I ocfs2iscsi-eth1 -o delete",
        "iscsiadm -m iface -I ocfs2iscsi-eth2 -o delete");
    assertThat(host.loggedIn).isEmpty();
    assertThat(host.ifaces).isEmpty();
    assertThat(host.exists(ReferenceHost.nodeRecord(IQN, PORTAL_A, "ocfs2iscsi-eth1"))).isFalse();
  }

  @Test
  void anIfaceThatAnotherSessionRunsThroughIsKept() {
    host.withInterfaces("eth1", "eth2");
    host.stager.stage(stage(bound("eth1", "eth2")));
    // Another target's session through the same NIC, as a second volume's stage would leave it.
    host.ifaceOfSession.put(PORTAL_B, "ocfs2iscsi-eth2");
    host.write(ReferenceHost.nodeRecord("iqn.2016-02.local.virtual:virtual.vg2", PORTAL_B, "ocfs2iscsi-eth2"),
        "# BEGIN RECORD 2.1.8\n# END RECORD\n");
    host.fake.clearCalls();

    host.stager.unstage(new Requests.Unstage("mylun", STAGING));

    assertThat(iscsiadmCalls()).contains("iscsiadm -m iface -I ocfs2iscsi-eth1 -o delete")
        .doesNotContain("iscsiadm -m iface -I ocfs2iscsi-eth2 -o delete");
    assertThat(host.ifaces).containsOnlyKeys("ocfs2iscsi-eth2");
  }

  @Test
  void anExistingIfaceIsReboundNotRecreated() {
    host.withInterfaces("eth1", "eth2");
    host.ifaces.put("ocfs2iscsi-eth1", "eth9");
    host.write("/etc/iscsi/ifaces/ocfs2iscsi-eth1", "# BEGIN RECORD 2.1.8\n# END RECORD\n");

    host.stager.stage(stage(bound("eth1", "eth2")));

    assertThat(iscsiadmCalls()).doesNotContain("iscsiadm -m iface -I ocfs2iscsi-eth1 -o new")
        .contains("iscsiadm -m iface -I ocfs2iscsi-eth1 -o update -n iface.net_ifacename -v eth1");
    assertThat(host.ifaces).containsEntry("ocfs2iscsi-eth1", "eth1");
  }
}
