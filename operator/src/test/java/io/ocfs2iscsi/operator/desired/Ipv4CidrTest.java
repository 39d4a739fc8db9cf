package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Ipv4CidrTest {

  @ParameterizedTest(name = "{0} contains {1}: {2}")
  @CsvSource({
      "10.10.1.0/24,   10.10.1.11,      true",
      "10.10.1.0/24,   10.10.1.0,       true",
      "10.10.1.0/24,   10.10.1.255,     true",
      "10.10.1.0/24,   10.10.2.1,       false",
      "10.10.1.0/24,   192.168.0.180,   false",
      "10.10.1.77/24,  10.10.1.3,       true", // host bits in the network are ignored
      "10.0.0.0/8,     10.255.255.255,  true",
      "10.0.0.0/8,     11.0.0.0,        false",
      "192.168.0.0/23, 192.168.1.200,   true",
      "192.168.0.0/23, 192.168.2.1,     false",
      "10.10.1.11/32,  10.10.1.11,      true",
      "10.10.1.11/32,  10.10.1.12,      false",
      "0.0.0.0/0,      203.0.113.5,     true",
      "128.0.0.0/1,    127.255.255.255, false",
      "128.0.0.0/1,    255.255.255.255, true",
  })
  void membership(String cidr, String address, boolean inside) {
    assertThat(Ipv4Cidr.contains(cidr, address)).isEqualTo(inside);
  }

  @ParameterizedTest(name = "{0} / {1} is no match")
  @CsvSource({
      "10.10.1.0,      10.10.1.0",     // no prefix
      "10.10.1.0/33,   10.10.1.0",
      "10.10.1.0/-1,   10.10.1.0",
      "10.10.1.0/x,    10.10.1.0",
      "10.10.1.0/24,   drbd01",        // a hostname is never resolved
      "10.10.1.0/24,   fd00::1",
      "10.10.1.0/24,   10.10.1.256",
      "10.10.1.0/24,   10.10.1",
      "10.10.1.0/24,   10.10.1.1.1",
      "10.10.1.0/24,   10.10..1",
      "10.10.1.0/24,   10.10.1.0001",
      "10.10.1.0/24,   10.10.1.+1",
      "10.10.1/24,     10.10.1.0",
  })
  void malformedInputIsNeverInside(String cidr, String address) {
    assertThat(Ipv4Cidr.contains(cidr, address)).isFalse();
  }

  @Test
  void parseGivesTheUnsignedValue() {
    assertThat(Ipv4Cidr.parse("255.255.255.255")).isEqualTo(0xFFFFFFFFL);
    assertThat(Ipv4Cidr.parse("10.10.1.11")).isEqualTo((10L << 24) | (10L << 16) | (1L << 8) | 11L);
    assertThat(Ipv4Cidr.parse("0.0.0.0")).isZero();
    assertThat(Ipv4Cidr.parse("1.2.3")).isNull();
  }
}
