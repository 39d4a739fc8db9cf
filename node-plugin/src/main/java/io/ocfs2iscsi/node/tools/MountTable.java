package io.ocfs2iscsi.node.tools;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** The host's mount table (/proc/mounts format). Later entries stack on earlier ones at the same mount point. */
public record MountTable(List<MountEntry> entries) {

  public static MountTable parse(String text) {
    List<MountEntry> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      String[] f = line.strip().split("\\s+");
      if (f.length < 4) {
        continue;
      }
      out.add(new MountEntry(unescape(f[0]), unescape(f[1]), f[2], Arrays.asList(f[3].split(","))));
    }
    return new MountTable(List.copyOf(out));
  }

  /** The top-most mount at exactly this path. */
  public Optional<MountEntry> at(String mountPoint) {
    String p = normalize(mountPoint);
    MountEntry found = null;
    for (MountEntry e : entries) {
      if (e.mountPoint().equals(p)) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  /** Every mount of this source device (bind mounts of a filesystem show its device too). */
  public List<MountEntry> ofSource(String source) {
    return entries.stream().filter(e -> e.source().equals(source)).toList();
  }

  static String normalize(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** Decodes \NNN octal escapes (space, tab, newline, backslash) as the kernel writes them. */
  static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
        sb.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
