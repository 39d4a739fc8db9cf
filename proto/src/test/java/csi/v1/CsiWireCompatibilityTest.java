package csi.v1;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Field numbers kubelet relies on: a renumbered field would silently break the wire format. */
class CsiWireCompatibilityTest {

  private static Map<String, Integer> numbers(Descriptor d) {
    return d.getFields().stream().collect(Collectors.toMap(FieldDescriptor::getName, FieldDescriptor::getNumber));
  }

  @Test
  void servicesHaveTheSpecNames() {
    assertThat(Csi.getDescriptor().getPackage()).isEqualTo("csi.v1");
    assertThat(Csi.getDescriptor().findServiceByName("Identity").getMethods())
        .extracting(m -> m.getName())
        .containsExactly("GetPluginInfo", "GetPluginCapabilities", "Probe");
    assertThat(Csi.getDescriptor().findServiceByName("Node").getMethods())
        .extracting(m -> m.getName())
        .containsExactly("NodeStageVolume", "NodeUnstageVolume", "NodePublishVolume", "NodeUnpublishVolume",
            "NodeGetVolumeStats", "NodeExpandVolume", "NodeGetCapabilities", "NodeGetInfo");
  }

  @Test
  void nodeMessagesHaveTheSpecFieldNumbers() {
    assertThat(numbers(NodeStageVolumeRequest.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("volume_id", 1, "publish_context", 2, "staging_target_path", 3,
            "volume_capability", 4, "secrets", 5, "volume_context", 6));
    assertThat(numbers(NodePublishVolumeRequest.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("volume_id", 1, "publish_context", 2, "staging_target_path", 3,
            "target_path", 4, "volume_capability", 5, "readonly", 6, "secrets", 7, "volume_context", 8));
    assertThat(numbers(NodeGetVolumeStatsResponse.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("usage", 1, "volume_condition", 2));
    assertThat(numbers(VolumeUsage.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("available", 1, "total", 2, "used", 3, "unit", 4));
    assertThat(numbers(NodeGetInfoResponse.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("node_id", 1, "max_volumes_per_node", 2, "accessible_topology", 3));
    assertThat(numbers(VolumeCapability.getDescriptor()))
        .containsExactlyInAnyOrderEntriesOf(Map.of("block", 1, "mount", 2, "access_mode", 3));
    assertThat(numbers(GetPluginCapabilitiesResponse.getDescriptor())).containsEntry("capabilities", 1);
    assertThat(VolumeCapability.AccessMode.Mode.MULTI_NODE_MULTI_WRITER.getNumber()).isEqualTo(5);
    assertThat(NodeServiceCapability.RPC.Type.VOLUME_CONDITION.getNumber()).isEqualTo(4);
    assertThat(NodeServiceCapability.RPC.Type.SINGLE_NODE_MULTI_WRITER.getNumber()).isEqualTo(5);
  }

  @Test
  void secretsAreMarkedAsSecrets() {
    for (Descriptor d : new Descriptor[] {NodeStageVolumeRequest.getDescriptor(),
        NodePublishVolumeRequest.getDescriptor(), NodeExpandVolumeRequest.getDescriptor()}) {
      assertThat(d.findFieldByName("secrets").getOptions().getExtension(Csi.csiSecret)).as(d.getName()).isTrue();
    }
    assertThat(NodeStageVolumeRequest.getDescriptor().findFieldByName("volume_context").getOptions()
        .getExtension(Csi.csiSecret)).isFalse();
  }
}
