package io.ocfs2iscsi.node.tools;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReservationKeyTest {

  @Test
  void theClusterNamesTheHighHalfAndTheNodeIdTheLowHalf() {
    // SHA-256("iscsi") begins e736e556
    assertThat(ReservationKey.clusterKey("iscsi")).isEqualTo("e736e556");
    assertThat(ReservationKey.of("iscsi", 3).hex()).isEqualTo("0xe736e55600000003");
    assertThat(ReservationKey.of("iscsi", 3)).isEqualTo(ReservationKey.of("iscsi", 3));
    assertThat(ReservationKey.of("other", 3)).isNotEqualTo(ReservationKey.of("iscsi", 3));
  }

  @Test
  void nodeIdsOutsideCorosyncsRangeAreRefused() {
    assertThatThrownBy(() -> ReservationKey.of("iscsi", 0)).hasMessageContaining("must be 1..255, got 0");
    assertThatThrownBy(() -> ReservationKey.of("iscsi", 256)).hasMessageContaining("must be 1..255, got 256");
    assertThatThrownBy(() -> ReservationKey.of("", 1)).hasMessageContaining("cluster name must not be empty");
  }

  @Test
  void parsesWhatTheToolsPrintAndRefusesTheRest() {
    assertThat(ReservationKey.parse("0x1").value()).isEqualTo(1);
    assertThat(ReservationKey.parse("0xe736e55600000003")).isEqualTo(ReservationKey.of("iscsi", 3));
    assertThatThrownBy(() -> ReservationKey.parse("0x0")).hasMessageContaining("must not be 0");
    assertThatThrownBy(() -> ReservationKey.parse("0x1; rm")).hasMessageContaining("not a reservation key");
    assertThatThrownBy(() -> ReservationKey.parse("0x12345678901234567")).hasMessageContaining("not a reservation key");
  }
}
