package io.ocfs2iscsi.node.info;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The IPv4 addresses of the host's interfaces that are up (hostNetwork: the pod sees the host's). */
@FunctionalInterface
public interface NetworkAddresses {

  List<Inet4Address> ipv4();

  NetworkAddresses SYSTEM =
      () -> {
        List<Inet4Address> out = new ArrayList<>();
        try {
          for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!nif.isUp() || nif.isLoopback()) {
              continue;
            }
            for (InetAddress a : Collections.list(nif.getInetAddresses())) {
              if (a instanceof Inet4Address v4) {
                out.add(v4);
              }
            }
          }
        } catch (SocketException e) {
          return List.of();
        }
        return out;
      };

  /** The first address inside {@code cidr} (a.b.c.d/n), or null. */
  static Inet4Address inCidr(List<Inet4Address> addresses, String cidr) {
    String[] parts = cidr.split("/");
    int prefix = Integer.parseInt(parts[1]);
    int net = toInt(parts[0]);
    int mask = prefix == 0 ? 0 : -1 << (32 - prefix);
    for (Inet4Address a : addresses) {
      if ((toInt(a.getHostAddress()) & mask) == (net & mask)) {
        return a;
      }
    }
    return null;
  }

  private static int toInt(String dotted) {
    String[] o = dotted.split("\\.");
    return (Integer.parseInt(o[0]) << 24) | (Integer.parseInt(o[1]) << 16) | (Integer.parseInt(o[2]) << 8)
        | Integer.parseInt(o[3]);
  }
}
