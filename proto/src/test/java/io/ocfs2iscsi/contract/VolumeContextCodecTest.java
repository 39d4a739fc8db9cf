package io.ocfs2iscsi.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.FilesystemSettings;
import io.ocfs2iscsi.agent.v1.IscsiTarget;
import io.ocfs2iscsi.agent.v1.MultipathSettings;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VolumeContextCodecTest {

  /** The reference setup's volume. */
  static VolumeSpec reference() {
    return VolumeSpec.newBuilder()
        .setVolumeId("mylun")
        .setTarget(
            IscsiTarget.newBuilder()
                .setIqn("iqn.2016-02.local.virtual:virtual.vg1")
                .setLun(0)
                .addAllPortals(List.of("192.168.0.180:3260", "10.20.1.180:3260"))
                .setReplacementTimeoutSeconds(10)
                .setNoopOutIntervalSeconds(2)
                .setNoopOutTimeoutSeconds(3)
                .setStartup("automatic"))
        .setMultipath(
            MultipathSettings.newBuilder()
                .setAlias("mylun")
                .setWwid("23238363932313833")
                .setPathGroupingPolicy("multibus")
                .setPathSelector("round-robin 0")
                .setPathChecker("readsector0")
                .setPollingIntervalSeconds(3)
                .setFailback("immediate")
                .setNoPathRetry("1"))
        .setFilesystem(
            FilesystemSettings.newBuilder()
                .setClusterName("iscsi")
                .setLabel("ISCSI")
                .setBlockSize("4K")
                .setClusterSize("32K")
                .setNodeSlots(4)
                .addAllMountOptions(List.of("noatime", "acl", "user_xattr")))
        .build();
  }

  @Test
  void roundTripKeepsEveryField() {
    VolumeSpec spec = reference();
    Map<String, String> ctx = VolumeContextCodec.encode(spec);

    assertThat(ctx).containsEntry("portals", "192.168.0.180:3260,10.20.1.180:3260").containsEntry("lun", "0");
    assertThat(VolumeContextCodec.decode("mylun", ctx)).isEqualTo(spec);
    assertThat(VolumeSpecChecks.violations(spec)).isEmpty();
  }

  @Test
  void theClusterStackTravelsAndAnOldContextWithoutItMeansO2cb() {
    VolumeSpec user = reference().toBuilder()
        .setFilesystem(reference().getFilesystem().toBuilder().setClusterStack(ClusterStackKind.CLUSTER_STACK_USER))
        .build();
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(user));
    assertThat(ctx).containsEntry("clusterStack", "user");
    assertThat(VolumeContextCodec.decode("mylun", ctx)).isEqualTo(user);
    assertThat(VolumeContextCodec.encode(reference())).doesNotContainKey("clusterStack");

    ctx.remove("clusterStack");
    assertThat(VolumeContextCodec.decode("mylun", ctx).getFilesystem().getClusterStack())
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_O2CB);
  }

  @Test
  void anUnknownClusterStackIsRefusedNamingTheKey() {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(reference()));
    ctx.put("clusterStack", "pcmk");
    Map<String, String> o2cb = new HashMap<>(VolumeContextCodec.encode(reference()));
    o2cb.put("clusterStack", "o2cb");
    assertThat(VolumeContextCodec.decode("mylun", o2cb)).isEqualTo(reference());

    assertThatThrownBy(() -> VolumeContextCodec.decode("mylun", ctx))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("volume_context[clusterStack] must be o2cb or user, got 'pcmk'");
  }

  @Test
  void aContextWithoutPingSettingsLeavesTheNodeRecordsValues() {
    Map<String, String> ctx = new java.util.HashMap<>(VolumeContextCodec.encode(reference()));
    assertThat(ctx).containsEntry("noopOutIntervalSeconds", "2").containsEntry("noopOutTimeoutSeconds", "3");
    ctx.remove("noopOutIntervalSeconds");
    ctx.remove("noopOutTimeoutSeconds");

    VolumeSpec decoded = VolumeContextCodec.decode("mylun", ctx);

    assertThat(decoded.getTarget().getNoopOutIntervalSeconds()).isZero();
    assertThat(decoded.getTarget().getNoopOutTimeoutSeconds()).isZero();
    assertThat(VolumeSpecChecks.violations(decoded)).isEmpty();
  }

  @Test
  void portalInterfacesTravelAsPortalEqualsInterfacePairs() {
    VolumeSpec spec = reference().toBuilder()
        .setTarget(reference().getTarget().toBuilder()
            .putPortalInterfaces("192.168.0.180:3260", "eth1")
            .putPortalInterfaces("10.20.1.180:3260", "eth2"))
        .build();
    Map<String, String> ctx = VolumeContextCodec.encode(spec);

    assertThat(ctx).containsEntry("portalInterfaces", "10.20.1.180:3260=eth2,192.168.0.180:3260=eth1");
    assertThat(VolumeContextCodec.decode("mylun", ctx)).isEqualTo(spec);
    assertThat(VolumeContextCodec.encode(reference())).doesNotContainKey("portalInterfaces");
    assertThat(VolumeSpecChecks.violations(spec)).isEmpty();
  }

  @Test
  void portalInterfacesAreCheckedAgainstThePortalsAndTheInterfaceNameRule() {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(reference()));
    ctx.put("portalInterfaces", "192.168.0.180:3260=eth1;reboot,10.9.9.9:3260=eth2");

    List<String> violations = VolumeSpecChecks.violations(VolumeContextCodec.decode("mylun", ctx));

    assertThat(violations).containsExactly(
        "target.portal_interfaces[10.9.9.9:3260]: names a portal that target.portals does not list"
            + " [192.168.0.180:3260, 10.20.1.180:3260]",
        "target.portal_interfaces[192.168.0.180:3260]: must be " + ValueRules.INTERFACE_NAME_RULE + ", got"
            + " 'eth1;reboot'");
  }

  @Test
  void aPortalInterfacePairWithoutInterfaceIsNamed() {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(reference()));
    ctx.put("portalInterfaces", "192.168.0.180:3260=");

    assertThatThrownBy(() -> VolumeContextCodec.decode("mylun", ctx))
        .hasMessage("volume_context[portalInterfaces] must be comma-separated portal=interface pairs, got"
            + " '192.168.0.180:3260='");
  }

  @Test
  void aMissingRequiredKeyIsNamed() {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(reference()));
    ctx.remove("iqn");

    assertThatThrownBy(() -> VolumeContextCodec.decode("mylun", ctx))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("volume_context[iqn] is required");
  }

  @Test
  void aBadNumberIsNamed() {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(reference()));
    ctx.put("lun", "one");

    assertThatThrownBy(() -> VolumeContextCodec.decode("mylun", ctx))
        .hasMessage("volume_context[lun] must be a whole number between 0 and 4294967295, got 'one'");
  }

  @Test
  void valuesThatWouldReachACommandLineAreChecked() {
    Map<String, String> ctx = new HashMap<>(VolumeContextCodec.encode(reference()));
    ctx.put("portals", "192.168.0.180:3260;reboot,10.20.1.180:3260");
    ctx.put("mountOptions", "noatime,exec=/bin/sh x");
    ctx.put("alias", "../../etc/passwd");

    List<String> violations = VolumeSpecChecks.violations(VolumeContextCodec.decode("mylun", ctx));

    assertThat(violations)
        .anyMatch(v -> v.startsWith("target.portals[0]: "))
        .anyMatch(v -> v.startsWith("filesystem.mount_options[1]: "))
        .anyMatch(v -> v.startsWith("multipath.alias: "));
  }

  @Test
  void sizesConvertToBytes() {
    assertThat(VolumeSpecChecks.bytes("4K")).isEqualTo(4096);
    assertThat(VolumeSpecChecks.bytes("1M")).isEqualTo(1048576);
    assertThat(VolumeSpecChecks.bytes("512")).isEqualTo(512);
  }
}
