package io.ocfs2iscsi.operator.desired;

/** IPv4 CIDR membership, without name resolution (InetAddress.getByName would resolve a hostname). */
public final class Ipv4Cidr {

  private Ipv4Cidr() {}

  public static boolean contains(String cidr, String address) {
    int slash = cidr.indexOf('/');
    if (slash < 0) {
      return false;
    }
    Long net = parse(cidr.substring(0, slash));
    Long addr = parse(address);
    int bits;
    try {
      bits = Integer.parseInt(cidr.substring(slash + 1));
    } catch (NumberFormatException e) {
      return false;
    }
    if (net == null || addr == null || bits < 0 || bits > 32) {
      return false;
    }
    long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
    return (net & mask) == (addr & mask);
  }

  static Long parse(String dotted) {
    String[] parts = dotted.split("\\.", -1);
    if (parts.length != 4) {
      return null;
    }
    long value = 0;
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
        return null;
      }
      int octet = Integer.parseInt(p);
      if (octet > 255) {
        return null;
      }
      value = (value << 8) | octet;
    }
    return value;
  }
}
