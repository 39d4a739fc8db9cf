package io.ocfs2iscsi.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class Sha256Test {

  @Test
  void theFirstBytesOfTheDigestInLowercaseHex() {
    // sha256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad (FIPS 180-2 example)
    assertThat(Sha256.hexPrefix("abc", 4)).isEqualTo("ba7816bf");
    assertThat(Sha256.hexPrefix("abc", 32))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  }

  @Test
  void aLengthOutsideTheDigestIsRefused() {
    assertThatThrownBy(() -> Sha256.hexPrefix("abc", 0)).hasMessageContaining("1..32");
    assertThatThrownBy(() -> Sha256.hexPrefix("abc", 33)).hasMessageContaining("1..32");
  }
}
