package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.contract.ValueRules;

/** An iSCSI portal, host and port; IPv6 hosts are kept without brackets. */
public record Portal(String host, int port) {

  /** Parses host:port, [v6]:port; the value must already satisfy {@link ValueRules#PORTAL}. */
  public static Portal parse(String value) {
    if (!ValueRules.matches(ValueRules.PORTAL, value)) {
      throw new IllegalArgumentException("not a portal: " + value);
    }
    int colon = value.lastIndexOf(':');
    String host = value.substring(0, colon);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new Portal(host, Integer.parseInt(value.substring(colon + 1)));
  }

  /** As iscsiadm -p takes it and as the volume spec writes it: host:port, [v6]:port. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
