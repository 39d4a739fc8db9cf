package io.ocfs2iscsi.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValueRulesTest {

  @ParameterizedTest
  @CsvSource({
    "iqn.2016-02.local.virtual:virtual.vg1, true",
    "iqn.1993-08.org.debian:01:8d74927a5fe7, true",
    "eui.02004567A425678D, true",
    "naa.52004567BA64678D, true",
    "iqn.2016-13.local.virtual:vg1, false",
    "iqn.2016-02.Local:vg1, false",
    "iqn.2016-02.local.virtual:vg1;reboot, false",
    "'iqn.2016-02.local.virtual:vg 1', false",
    "iqn.2016-02.local.virtual:vg1$(id), false",
  })
  void iqn(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.IQN, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({
    "192.168.0.180:3260, true",
    "10.20.1.180:3260, true",
    "[fd00::180]:3260, true",
    "san-a.example.internal:3260, true",
    "192.168.0.180, false",
    "192.168.0.256:3260, false",
    "192.168.0.180:0, false",
    "192.168.0.180:65536, false",
    "'192.168.0.180:3260 -o delete', false",
    "-p:3260, false",
  })
  void portal(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.PORTAL, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({
    "mylun, true",
    "shared_data.1, true",
    "'my lun', false",
    "../etc, false",
    "-rf, false",
  })
  void alias(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.ALIAS, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({
    "iscsi, true",
    "prod_cluster_01, true",
    "my-cluster, false",
    "seventeen_chars_x, false",
  })
  void clusterName(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.CLUSTER_NAME, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({"noatime, true", "errors=remount-ro, true", "'acl,ro', false", "Noatime, false", "'a b', false"})
  void mountOption(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.MOUNT_OPTION, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({"23238363932313833, true", "360000000000000000e00000000010001, true", "'0QEMU QEMU', false"})
  void wwid(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.WWID, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({"drbd01, true", "node-1.example.com, true", "-node, false", "node_1, false"})
  void nodeName(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.NODE_NAME, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({"20Gi, true", "1.5Ti, true", "500M, true", "0, false", "lots, false", "-1Gi, false"})
  void capacity(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.CAPACITY, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({"10.10.1.0/24, true", "10.10.1.0, false", "10.10.1.0/33, false"})
  void cidr(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.IPV4_CIDR, value)).isEqualTo(valid);
  }

  @ParameterizedTest
  @CsvSource({
    "eth1, true", "enp3s0f1, true", "vec0, true", "bond0.100, true", "san_a-1, true", "abcdefghijklmno, true",
    "abcdefghijklmnop, false", "'', false", "eth0:1, false", "../eth0, false", "'eth 1', false", "'eth1\n', false",
    "., false", "-eth1, false", "'eth1,eth2', false", "eth1=x, false",
  })
  void interfaceName(String value, boolean valid) {
    assertThat(ValueRules.matches(ValueRules.INTERFACE_NAME, value)).isEqualTo(valid);
  }
}
