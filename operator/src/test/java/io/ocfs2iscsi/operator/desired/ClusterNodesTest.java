package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.storage.CSINode;
import io.fabric8.kubernetes.api.model.storage.CSINodeBuilder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterNodesTest {

  private static final Map<String, String> MEMBER = Map.of("ocfs2iscsi.io/member", "true");

  static Node node(String name, boolean ready, Map<String, String> labels, String... typeAndAddress) {
    NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
        .withNewStatus()
          .addNewCondition().withType("MemoryPressure").withStatus("False").endCondition()
          .addNewCondition().withType("Ready").withStatus(ready ? "True" : "False").endCondition()
        .endStatus();
    for (int i = 0; i < typeAndAddress.length; i += 2) {
      b.editStatus().addNewAddress().withType(typeAndAddress[i]).withAddress(typeAndAddress[i + 1]).endAddress()
          .endStatus();
    }
    return b.build();
  }

  static CSINode csiNode(String name, String... drivers) {
    CSINodeBuilder b = new CSINodeBuilder().withNewMetadata().withName(name).endMetadata().withNewSpec().endSpec();
    for (String d : drivers) {
      b.editSpec().addNewDriver().withName(d).withNodeID(name).endDriver().endSpec();
    }
    return b.build();
  }

  @Test
  void nodesWithDriverAreThoseWhoseCsiNodeListsOurDriver() {
    List<CSINode> csiNodes = List.of(
        csiNode("a", "csi.ocfs2iscsi.io"),
        csiNode("b", "ebs.csi.aws.com", "csi.ocfs2iscsi.io"),
        csiNode("c", "ebs.csi.aws.com"),
        csiNode("d"),
        new CSINodeBuilder().withNewMetadata().withName("e").endMetadata().build());

    assertThat(ClusterNodes.nodesWithDriver(csiNodes)).containsExactly("a", "b");
  }

  @Test
  void selectedNodesAreReadyLabelledAndRunThePlugin() {
    Node member = node("drbd01", true, MEMBER);
    Node notReady = node("drbd02", false, MEMBER);
    Node unlabelled = node("worker1", true, Map.of());
    Node wrongValue = node("worker2", true, Map.of("ocfs2iscsi.io/member", "false"));
    Node noPlugin = node("drbd03", true, MEMBER);
    Node deleting = node("drbd04", true, MEMBER);
    deleting.getMetadata().setDeletionTimestamp("2025-01-01T00:00:00Z");
    Node noStatus = new NodeBuilder().withNewMetadata().withName("drbd05").withLabels(MEMBER).endMetadata().build();

    Set<String> selected = ClusterNodes.selected(
        List.of(member, notReady, unlabelled, wrongValue, noPlugin, deleting, noStatus), MEMBER,
        Set.of("drbd01", "drbd02", "worker1", "worker2", "drbd04", "drbd05"));

    assertThat(selected).containsExactly("drbd01");
  }

  @Test
  void anEmptySelectorSelectsEveryReadyNodeWithThePlugin() {
    Set<String> selected = ClusterNodes.selected(
        List.of(node("b", true, Map.of()), node("a", true, Map.of("x", "y")), node("c", true, Map.of())), Map.of(),
        Set.of("a", "b"));

    assertThat(selected).containsExactly("a", "b");
  }

  @Test
  void everySelectorLabelMustMatch() {
    Map<String, String> selector = Map.of("ocfs2iscsi.io/member", "true", "zone", "a");
    Set<String> selected = ClusterNodes.selected(List.of(
            node("both", true, Map.of("ocfs2iscsi.io/member", "true", "zone", "a", "extra", "1")),
            node("one", true, MEMBER)),
        selector, Set.of("both", "one"));

    assertThat(selected).containsExactly("both");
  }

  @Test
  void readyNeedsAReadyConditionThatIsTrue() {
    assertThat(ClusterNodes.ready(node("a", true, Map.of()))).isTrue();
    assertThat(ClusterNodes.ready(node("a", false, Map.of()))).isFalse();
    assertThat(ClusterNodes.ready(new NodeBuilder().withNewMetadata().withName("a").endMetadata().build())).isFalse();
  }

  @Test
  void agentHostIsTheAddressInsideTheCidrWhenThereIsOne() {
    Node n = node("drbd01", true, MEMBER,
        "Hostname", "drbd01", "InternalIP", "192.168.0.11", "InternalIP", "10.10.1.11", "ExternalIP", "203.0.113.5");

    assertThat(ClusterNodes.agentHost(n, "10.10.1.0/24")).hasValue("10.10.1.11");
  }

  @Test
  void agentHostFallsBackToTheFirstInternalIp() {
    Node n = node("drbd01", true, MEMBER,
        "Hostname", "drbd01", "ExternalIP", "203.0.113.5", "InternalIP", "192.168.0.11", "InternalIP", "172.16.0.1");

    assertThat(ClusterNodes.agentHost(n, null)).hasValue("192.168.0.11");
    assertThat(ClusterNodes.agentHost(n, "10.10.1.0/24")).hasValue("192.168.0.11");
  }

  @Test
  void agentHostIsEmptyWithoutAnInternalIpOrAddresses() {
    assertThat(ClusterNodes.agentHost(node("a", true, Map.of(), "Hostname", "a", "ExternalIP", "203.0.113.5"), null))
        .isEmpty();
    assertThat(ClusterNodes.agentHost(new NodeBuilder().withNewMetadata().withName("a").endMetadata().build(),
        "10.0.0.0/8")).isEmpty();
  }

  @Test
  void aMemberThatBootedSinceItAppliedTheClusterHasNotApplied() {
    assertThat(ClusterNodes.hasApplied("1/2", "1/2", "boot-a", "boot-a")).isTrue();
    assertThat(ClusterNodes.hasApplied("1/2", "1/2", "boot-a", "boot-b")).as("rebooted").isFalse();
    assertThat(ClusterNodes.hasApplied("1/2", "1/2", null, "boot-b")).as("applied before boot ids were kept")
        .isFalse();
    assertThat(ClusterNodes.hasApplied("1/2", "1/2", "boot-a", null)).as("kubelet reports no boot id").isTrue();
    assertThat(ClusterNodes.hasApplied("1/3", "1/2", "boot-a", "boot-a")).isFalse();
    Node rebooted = new io.fabric8.kubernetes.api.model.NodeBuilder(node("n1", true, Map.of())).editStatus()
        .withNewNodeInfo().withBootID("5d2b1c9e").endNodeInfo().endStatus().build();
    assertThat(ClusterNodes.bootId(rebooted)).isEqualTo("5d2b1c9e");
    assertThat(ClusterNodes.bootId(node("n1", true, Map.of()))).isNull();
  }
}
