package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Quantity;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class VolumeGrowthTest {

  static final long GIB = 1L << 30;

  @Test
  void theSameCapacityInAnotherUnitIsNoChange() {
    assertThat(VolumeGrowth.change("2048Mi", Optional.of(new Quantity("2Gi"))))
        .isInstanceOf(VolumeGrowth.None.class);
    assertThat(VolumeGrowth.change("3Gi", Optional.empty())).isInstanceOf(VolumeGrowth.None.class);
  }

  @Test
  void aLargerCapacityIsAGrowthInBytes() {
    VolumeGrowth.Change c = VolumeGrowth.change("3Gi", Optional.of(new Quantity("2Gi")));

    assertThat(c).isEqualTo(new VolumeGrowth.Grow("3Gi", 3 * GIB, "2Gi"));
  }

  @Test
  void aSmallerCapacityIsRefusedNamingTheFieldAndTheRule() {
    VolumeGrowth.Change c = VolumeGrowth.change("1Gi", Optional.of(new Quantity("2Gi")));

    assertThat(c).isInstanceOf(VolumeGrowth.Shrink.class);
    assertThat(((VolumeGrowth.Shrink) c).message())
        .startsWith("spec.persistentVolume.capacity: 1Gi is smaller than the volume's current capacity 2Gi")
        .contains("only grows").contains("2Gi or more");
  }

  @Test
  void aLunSmallerThanAskedOnAnyNodeWaitsForTheSanNamingTheNodes() {
    VolumeGrowth.Grow g = new VolumeGrowth.Grow("3Gi", 3 * GIB, "2Gi");
    Map<String, Long> maps = new LinkedHashMap<>();
    maps.put("node1", 3 * GIB);
    maps.put("node2", 2 * GIB);

    VolumeGrowth.Next n = VolumeGrowth.next(g, maps);

    assertThat(n).isInstanceOf(VolumeGrowth.WaitForLun.class);
    assertThat(((VolumeGrowth.WaitForLun) n).message())
        .contains("asks for 3Gi (3221225472 bytes)").contains("node2 2147483648 bytes").doesNotContain("node1")
        .contains("grow the LUN on the SAN first");
  }

  @Test
  void everyMapLargeEnoughGrowsOnTheFirstNodeOnly() {
    VolumeGrowth.Grow g = new VolumeGrowth.Grow("3Gi", 3 * GIB, "2Gi");
    Map<String, Long> maps = new LinkedHashMap<>();
    maps.put("node2", 4 * GIB);
    maps.put("node1", 3 * GIB);

    assertThat(VolumeGrowth.next(g, maps)).isEqualTo(new VolumeGrowth.GrowOn("node2"));
  }
}
