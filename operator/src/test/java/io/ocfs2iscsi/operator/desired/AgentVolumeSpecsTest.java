package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.VolumeSpecChecks;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.MultipathSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import org.junit.jupiter.api.Test;

class AgentVolumeSpecsTest {

  @Test
  void theReferenceVolumeAsTheAgentSeesIt() {
    VolumeSpec s = AgentVolumeSpecs.of(ExampleResources.volume(), "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    assertThat(s.getVolumeId()).isEqualTo("mylun");
    assertThat(s.getTarget().getIqn()).isEqualTo("iqn.2016-02.local.virtual:virtual.vg1");
    assertThat(s.getTarget().getLun()).isEqualTo(1);
    assertThat(s.getTarget().getPortalsList()).containsExactly("192.168.0.180:3260", "10.20.1.180:3260");
    assertThat(s.getTarget().getReplacementTimeoutSeconds()).isEqualTo(3);
    assertThat(s.getTarget().getNoopOutIntervalSeconds()).isEqualTo(2);
    assertThat(s.getTarget().getNoopOutTimeoutSeconds()).isEqualTo(2);
    assertThat(s.getTarget().getStartup()).isEqualTo("automatic");
    assertThat(s.getTarget().getChap()).isFalse();
    assertThat(s.getMultipath().getAlias()).isEqualTo("mylun");
    assertThat(s.getMultipath().getWwid()).isEmpty();
    assertThat(s.getMultipath().getPathGroupingPolicy()).isEqualTo("multibus");
    assertThat(s.getMultipath().getPathSelector()).isEqualTo("round-robin 0");
    assertThat(s.getMultipath().getPathChecker()).isEqualTo("tur");
    assertThat(s.getMultipath().getPollingIntervalSeconds()).isEqualTo(1);
    assertThat(s.getMultipath().getFailback()).isEqualTo("immediate");
    assertThat(s.getMultipath().getNoPathRetry()).isEqualTo("15");
    assertThat(s.getFilesystem().getClusterName()).isEqualTo("iscsi");
    assertThat(s.getFilesystem().getLabel()).isEqualTo("ISCSI");
    assertThat(s.getFilesystem().getBlockSize()).isEqualTo("4K");
    assertThat(s.getFilesystem().getClusterSize()).isEqualTo("32K");
    assertThat(s.getFilesystem().getNodeSlots()).isEqualTo(4);
    assertThat(s.getFilesystem().getMountOptionsList()).containsExactly("noatime", "acl", "user_xattr");
  }

  @Test
  void theNodePluginAcceptsWhatTheOperatorSends() {
    assertThat(VolumeSpecChecks.violations(
        AgentVolumeSpecs.of(ExampleResources.volume(), "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB))).isEmpty();
  }

  @Test
  void portalInterfacesBecomeTheAgentsPortalToInterfaceMap() {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getSpec().getTarget().setPortalInterfaces(java.util.List.of(
        new io.ocfs2iscsi.operator.api.v1alpha1.PortalInterface("192.168.0.180:3260", "eth1"),
        new io.ocfs2iscsi.operator.api.v1alpha1.PortalInterface("10.20.1.180:3260", "eth2")));

    VolumeSpec s = AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    assertThat(s.getTarget().getPortalInterfacesMap())
        .containsExactlyInAnyOrderEntriesOf(java.util.Map.of("192.168.0.180:3260", "eth1", "10.20.1.180:3260", "eth2"));
    assertThat(VolumeSpecChecks.violations(s)).isEmpty();
    assertThat(AgentVolumeSpecs.of(ExampleResources.volume(), "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB)
        .getTarget().getPortalInterfacesMap()).isEmpty();
  }

  @Test
  void theClusterNameComesFromTheOcfs2ClusterNotTheVolume() {
    assertThat(AgentVolumeSpecs.of(ExampleResources.volume(), "prod_o2cb", ClusterStackKind.CLUSTER_STACK_O2CB)
        .getFilesystem().getClusterName()).isEqualTo("prod_o2cb");
  }

  @Test
  void theClusterStackReachesTheFilesystemSettingsAndTheVolumeContextOnlyForTheUserStack() {
    VolumeSpec user = AgentVolumeSpecs.of(ExampleResources.volume(), "iscsi", ClusterStackKind.CLUSTER_STACK_USER);
    VolumeSpec o2cb = AgentVolumeSpecs.of(ExampleResources.volume(), "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    assertThat(user.getFilesystem().getClusterStack()).isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    assertThat(io.ocfs2iscsi.contract.VolumeContextCodec.encode(user)).containsEntry("clusterStack", "user");
    assertThat(io.ocfs2iscsi.contract.VolumeContextCodec.encode(o2cb)).doesNotContainKey("clusterStack");
  }

  @Test
  void chapIsAFlagOnlyTheSecretStaysOut() {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getSpec().getTarget().setChapSecretRef(new SecretReference("storage", "san-chap"));

    VolumeSpec s = AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    assertThat(s.getTarget().getChap()).isTrue();
    assertThat(s.toString()).doesNotContain("san-chap");
  }

  @Test
  void withoutMultipathOrAliasTheDefaultsAndTheResourceNameApply() {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getSpec().setMultipath(null);
    v.getSpec().getTarget().setSession(null);
    v.getSpec().getFilesystem().setLabel(null);

    VolumeSpec s = AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB);

    assertThat(s.getMultipath().getAlias()).isEqualTo("mylun");
    assertThat(s.getMultipath().getNoPathRetry()).isEqualTo("15");
    assertThat(s.getMultipath().getPollingIntervalSeconds()).isEqualTo(1);
    assertThat(s.getTarget().getReplacementTimeoutSeconds()).isEqualTo(3);
    assertThat(s.getTarget().getNoopOutIntervalSeconds()).isEqualTo(2);
    assertThat(s.getTarget().getNoopOutTimeoutSeconds()).isEqualTo(2);
    assertThat(s.getFilesystem().getLabel()).isEmpty();
  }

  @Test
  void theWwidIsTheSpecsElseThePinnedOneElseEmpty() {
    IscsiSharedVolume v = ExampleResources.volume();
    assertThat(AgentVolumeSpecs.pinnedWwid(v)).isEmpty();

    IscsiSharedVolumeStatus status = new IscsiSharedVolumeStatus();
    status.setWwid("36001405pinned");
    v.setStatus(status);
    assertThat(AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB).getMultipath().getWwid()).isEqualTo("36001405pinned");

    v.getSpec().getMultipath().setWwid("36001405fromspec");
    assertThat(AgentVolumeSpecs.of(v, "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB).getMultipath().getWwid()).isEqualTo("36001405fromspec");

    v.getSpec().setMultipath(new MultipathSpec());
    assertThat(AgentVolumeSpecs.pinnedWwid(v)).isEqualTo("36001405pinned");
  }
}
