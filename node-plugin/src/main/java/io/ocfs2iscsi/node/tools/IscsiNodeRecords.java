package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.host.HostFiles;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * open-iscsi's record files, edited directly for the CHAP settings: {@code iscsiadm -o update -v SECRET} would put
 * the secret on a command line (visible in /proc/PID/cmdline), so the secret goes into the 0600 record file
 * instead, which is exactly where iscsiadm itself would store it. Node records live in
 * {@code <nodes>/<iqn>/<host>,<port>,<tpgt>/<iface>} (a file), or in older layouts
 * {@code <nodes>/<iqn>/<host>,<port>,<tpgt>} as the file itself. Discovery records:
 * {@code <send_targets>/<host>,<port>/st_config}.
 */
public final class IscsiNodeRecords {

  /** Debian/Ubuntu keep records in /etc/iscsi, RHEL and derivatives in /var/lib/iscsi. */
  static final List<String> BASES = List.of("/etc/iscsi", "/var/lib/iscsi");

  private static final String END_RECORD = "# END RECORD";

  private final HostFiles files;

  public IscsiNodeRecords(HostFiles files) {
    this.files = files;
  }

  /** Writes settings into the node record of (iqn, portal, iface "default"); the record must exist (discovery). */
  public void writeNodeSettings(String iqn, Portal portal, Map<String, String> settings) {
    writeNodeSettings(iqn, portal, settings, null);
  }

  /** {@link #writeNodeSettings(String, Portal, Map)} into the record of one open-iscsi iface (null: "default"). */
  public void writeNodeSettings(String iqn, Portal portal, Map<String, String> settings, String iface) {
    String file =
        nodeRecordFile(iqn, portal, iface)
            .orElseThrow(
                () ->
                    NodeException.internal(
                        "no node record for " + iqn + " at " + portal + " after discovery (looked in "
                            + BASES.stream().map(b -> b + "/nodes/" + iqn).toList() + ")"));
    String current = files.read(file).orElse("");
    files.writeAtomically(file, withSettings(current, settings), true);
  }

  /** Writes settings into the discovery record of a portal (created beforehand by iscsiadm -m discoverydb -o new). */
  public void writeDiscoverySettings(Portal portal, Map<String, String> settings) {
    for (String base : BASES) {
      String file = discoveryFile(base, portal);
      if (files.exists(file)) {
        files.writeAtomically(file, withSettings(files.read(file).orElse(""), settings), true);
        return;
      }
    }
    throw NodeException.internal("no discovery record for " + portal + " (iscsiadm -m discoverydb -o new made none)");
  }

  /**
   * A node record as iscsiadm addresses it: target and portal. The portal group tag and the interface in its file
   * name are not part of it: {@code iscsiadm -m node -T <iqn> -p <host:port,tag>} ignores the tag and acts on
   * every record of the portal.
   */
  public record NodeRecord(String target, Portal portal) {}

  /**
   * A record's name in a target's directory: {@code <host>,<port>,<tpgt>} (discovery), or {@code <host>,<port>}
   * when it was made without a portal group tag ({@code -m node -o new}: open-iscsi then keeps idbm's old-style
   * layout, a file of that name).
   */
  private static final Pattern RECORD_NAME = Pattern.compile("(.+?),([0-9]{1,5})(?:,-?[0-9]{1,5})?");

  /** The portal a record's name in a target's directory stands for (empty: not a record's name). */
  private static Optional<Portal> portalOfRecord(String name) {
    Matcher m = RECORD_NAME.matcher(name);
    return m.matches() ? Optional.of(new Portal(m.group(1), Integer.parseInt(m.group(2)))) : Optional.empty();
  }

  /** Every node record of the host (read from the record names, see {@link #RECORD_NAME}). */
  public Set<NodeRecord> all() {
    Set<NodeRecord> out = new HashSet<>();
    for (String base : BASES) {
      for (String iqn : files.list(base + "/nodes")) {
        for (String name : files.list(base + "/nodes/" + iqn)) {
          portalOfRecord(name).ifPresent(p -> out.add(new NodeRecord(iqn, p)));
        }
      }
    }
    return out;
  }

  /** The portal's discovery record files (path to content) as they are now; empty when it has none. */
  public Map<String, String> discoveryRecords(Portal portal) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String base : BASES) {
      String file = discoveryFile(base, portal);
      files.read(file).ifPresent(content -> out.put(file, content));
    }
    return out;
  }

  /**
   * The values of {@code keys} in the node record of (iqn, portal): the ones set, without iscsiadm's
   * "&lt;empty&gt;". Used to give a record made without discovery the CHAP settings of its target's other records.
   */
  public Map<String, String> readSettings(String iqn, Portal portal, java.util.Collection<String> keys) {
    Map<String, String> out = new LinkedHashMap<>();
    String record = nodeRecordFile(iqn, portal).flatMap(files::read).orElse("");
    for (String line : record.split("\n")) {
      String key = keyOf(line);
      if (key != null && keys.contains(key)) {
        String value = line.substring(line.indexOf('=') + 1).strip();
        if (!value.isEmpty() && !value.equals("<empty>")) {
          out.put(key, value);
        }
      }
    }
    return out;
  }

  /**
   * Puts the portal's discovery record back as {@link #discoveryRecords} found it: an earlier file gets its own
   * content back, and a record that did not exist is removed (its file, and the links to node records that
   * discovery put next to it: the node records themselves stay).
   */
  public void restoreDiscoveryRecords(Portal portal, Map<String, String> before) {
    for (String base : BASES) {
      String file = discoveryFile(base, portal);
      if (before.containsKey(file)) {
        files.writeAtomically(file, before.get(file), true);
      } else if (files.deleteIfExists(file)) {
        String dir = file.substring(0, file.lastIndexOf('/'));
        for (String link : files.list(dir)) {
          if (files.isSymbolicLink(dir + "/" + link)) {
            files.deleteIfExists(dir + "/" + link);
          }
        }
        if (files.list(dir).isEmpty()) {
          files.deleteIfExists(dir);
        }
      }
    }
  }

  private static String discoveryFile(String base, Portal portal) {
    return base + "/send_targets/" + portal.host() + "," + portal.port() + "/st_config";
  }

  /** True when discovery left a node record for this portal (a login through it needs one). */
  public boolean hasNodeRecord(String iqn, Portal portal) {
    return hasNodeRecord(iqn, portal, null);
  }

  /** {@link #hasNodeRecord(String, Portal)} for one open-iscsi iface (null: "default"). */
  public boolean hasNodeRecord(String iqn, Portal portal, String iface) {
    return nodeRecordFile(iqn, portal, iface).isPresent();
  }

  /** True when the host has an open-iscsi iface record of that name. */
  public boolean hasIface(String iface) {
    return BASES.stream().anyMatch(base -> files.exists(base + "/ifaces/" + iface));
  }

  /** True when some node record of the host is bound to that iface (a login may be about to use it). */
  public boolean anyRecordUses(String iface) {
    for (String base : BASES) {
      for (String iqn : files.list(base + "/nodes")) {
        for (String name : files.list(base + "/nodes/" + iqn)) {
          if (files.exists(base + "/nodes/" + iqn + "/" + name + "/" + iface)) {
            return true;
          }
        }
      }
    }
    return false;
  }

  Optional<String> nodeRecordFile(String iqn, Portal portal) {
    return nodeRecordFile(iqn, portal, null);
  }

  /** The record file of (iqn, portal, iface); the old flat layout has no iface and serves only "default". */
  Optional<String> nodeRecordFile(String iqn, Portal portal, String iface) {
    String ifaceName = iface == null ? "default" : iface;
    for (String base : BASES) {
      String dir = base + "/nodes/" + iqn;
      for (String name : files.list(dir)) {
        if (!portalOfRecord(name).filter(portal::equals).isPresent()) {
          continue;
        }
        String entry = dir + "/" + name;
        if (files.isDirectory(entry)) {
          if (files.exists(entry + "/" + ifaceName)) {
            return Optional.of(entry + "/" + ifaceName);
          }
        } else if (ifaceName.equals("default")) {
          return Optional.of(entry);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The record text with each setting replaced in place, or added before "# END RECORD" (or at the end) when
   * absent. Other lines are kept as they are.
   */
  public static String withSettings(String record, Map<String, String> settings) {
    Map<String, String> pending = new LinkedHashMap<>(settings);
    List<String> out = new ArrayList<>();
    boolean endSeen = false;
    for (String line : record.split("\n", -1)) {
      String key = keyOf(line);
      if (key != null && pending.containsKey(key)) {
        out.add(key + " = " + pending.remove(key));
        continue;
      }
      if (line.strip().equals(END_RECORD)) {
        pending.forEach((k, v) -> out.add(k + " = " + v));
        pending.clear();
        endSeen = true;
      }
      out.add(line);
    }
    if (!endSeen && !pending.isEmpty()) {
      if (!out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
        out.remove(out.size() - 1);
      }
      pending.forEach((k, v) -> out.add(k + " = " + v));
      out.add("");
    }
    return String.join("\n", out);
  }

  private static String keyOf(String line) {
    String t = line.strip();
    if (t.startsWith("#")) {
      return null;
    }
    int eq = t.indexOf('=');
    return eq <= 0 ? null : t.substring(0, eq).strip();
  }
}
