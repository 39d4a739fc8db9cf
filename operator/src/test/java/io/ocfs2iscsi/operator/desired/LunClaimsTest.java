package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class LunClaimsTest {

  private static IscsiSharedVolume volume(String name, String created, Consumer<IscsiSharedVolume> change) {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getMetadata().setName(name);
    v.getMetadata().setCreationTimestamp(created);
    change.accept(v);
    return v;
  }

  private static final String T1 = "2025-03-01T10:00:00Z";
  private static final String T2 = "2025-03-01T10:00:05Z";

  @Test
  void theYoungerOfTwoVolumesOnOneTargetAndLunIsRefusedNamingTheOlder() {
    IscsiSharedVolume older = volume("data", T1, v -> {});
    IscsiSharedVolume younger = volume("data-copy", T2, v -> {});
    List<IscsiSharedVolume> all = List.of(younger, older);

    assertThat(LunClaims.conflict(older, all)).isEmpty();
    LunClaims.Conflict c = LunClaims.conflict(younger, all).orElseThrow();
    assertThat(c.owner()).isEqualTo("data");
    assertThat(c.message()).contains("IscsiSharedVolume data")
        .contains("target iqn.2016-02.local.virtual:virtual.vg1 LUN 1").startsWith("spec.target: ");
  }

  @Test
  void theSameCreationTimeFallsBackToTheName() {
    IscsiSharedVolume b = volume("b", T1, v -> {});
    IscsiSharedVolume a = volume("a", T1, v -> {});

    assertThat(LunClaims.conflict(a, List.of(a, b))).isEmpty();
    assertThat(LunClaims.conflict(b, List.of(a, b))).map(LunClaims.Conflict::owner).contains("a");
  }

  @Test
  void anIqnInOtherCaseIsTheSameTarget() {
    IscsiSharedVolume older = volume("old", T1, v -> v.getSpec().getTarget().setIqn("naa.52004567BA64678D"));
    IscsiSharedVolume younger = volume("new", T2, v -> v.getSpec().getTarget().setIqn("naa.52004567ba64678d"));

    assertThat(LunClaims.conflict(younger, List.of(older, younger))).isPresent();
  }

  @Test
  void anotherLunOrAnotherTargetIsNoConflict() {
    IscsiSharedVolume older = volume("old", T1, v -> {});
    IscsiSharedVolume otherLun = volume("lun2", T2, v -> v.getSpec().getTarget().setLun(2));
    IscsiSharedVolume otherTarget = volume("t2", T2, v -> v.getSpec().getTarget().setIqn("iqn.2016-02.local.virtual:vg2"));

    assertThat(LunClaims.conflict(otherLun, List.of(older, otherLun, otherTarget))).isEmpty();
    assertThat(LunClaims.conflict(otherTarget, List.of(older, otherLun, otherTarget))).isEmpty();
  }

  @Test
  void theSameWwidThroughAnotherTargetIsTheSameLun() {
    IscsiSharedVolume older = volume("old", T1, v -> {
      v.setStatus(new IscsiSharedVolumeStatus());
      v.getStatus().setWwid("36001405ABCDEF");
    });
    IscsiSharedVolume younger = volume("new", T2, v -> {
      v.getSpec().getTarget().setIqn("iqn.2016-02.local.virtual:alias-of-vg1");
      v.getSpec().getMultipath().setWwid("36001405abcdef");
    });

    LunClaims.Conflict c = LunClaims.conflict(younger, List.of(older, younger)).orElseThrow();
    assertThat(c.owner()).isEqualTo("old");
    assertThat(c.shared()).isEqualTo("WWID 36001405abcdef");
  }

  @Test
  void theOldestOfSeveralClaimantsIsNamed() {
    IscsiSharedVolume first = volume("zeta", T1, v -> {});
    IscsiSharedVolume second = volume("alpha", T2, v -> {});
    IscsiSharedVolume third = volume("beta", "2025-03-01T10:00:09Z", v -> {});

    assertThat(LunClaims.conflict(third, List.of(third, second, first))).map(LunClaims.Conflict::owner)
        .contains("zeta");
    assertThat(LunClaims.conflict(second, List.of(third, second, first))).map(LunClaims.Conflict::owner)
        .contains("zeta");
  }
}
