package io.ocfs2iscsi.operator.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.PersistentVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.TargetSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class IscsiSharedVolumeValidatorTest {

  static IscsiSharedVolume minimal(String name) {
    TargetSpec target = new TargetSpec();
    target.setIqn("iqn.2016-02.local.virtual:virtual.vg1");
    target.setLun(0);
    target.setPortals(List.of("192.168.0.180:3260", "[fd00::1]:3260", "san-a.example.internal:3260"));
    FilesystemSpec fs = new FilesystemSpec();
    fs.setClusterRef("iscsi");
    PersistentVolumeSpec pv = new PersistentVolumeSpec();
    pv.setCapacity("20Gi");
    IscsiSharedVolumeSpec spec = new IscsiSharedVolumeSpec();
    spec.setTarget(target);
    spec.setFilesystem(fs);
    spec.setPersistentVolume(pv);
    IscsiSharedVolume v = new IscsiSharedVolume();
    v.setMetadata(new ObjectMetaBuilder().withName(name).build());
    v.setSpec(spec);
    return v;
  }

  @Test
  void aMinimalVolumeWithDefaultsIsValid() {
    assertThat(IscsiSharedVolumeValidator.validate(minimal("data"))).isEmpty();
  }

  @Test
  void everyProblemIsReportedNotOnlyTheFirst() {
    IscsiSharedVolume v = minimal("data");
    v.getSpec().getTarget().setIqn("bogus");
    v.getSpec().getFilesystem().setNodeSlots(0);
    v.getSpec().getMultipath().setNoPathRetry("0");

    assertThat(IscsiSharedVolumeValidator.validate(v))
        .extracting(Violation::field)
        .containsExactlyInAnyOrder("spec.target.iqn", "spec.filesystem.nodeSlots", "spec.multipath.noPathRetry");
  }

  @Test
  void aMessageNamesTheRuleAndTheValue() {
    IscsiSharedVolume v = minimal("data");
    v.getSpec().getTarget().setPortals(List.of("192.168.0.180"));

    assertThat(IscsiSharedVolumeValidator.validate(v))
        .singleElement()
        .hasToString(
            "spec.target.portals[0]: must be host:port, where host is an IPv4 address, [IPv6] or a DNS name and port"
                + " is 1-65535 (e.g. 192.168.0.180:3260), got '192.168.0.180'");
  }

  @Test
  void anExplicitAliasLiftsTheNameLengthLimit() {
    IscsiSharedVolume v = minimal("a".repeat(70));
    assertThat(IscsiSharedVolumeValidator.validate(v)).extracting(Violation::field).containsExactly("metadata.name");

    v.getSpec().getMultipath().setAlias("short");
    assertThat(IscsiSharedVolumeValidator.validate(v)).isEmpty();
  }
}
