package io.ocfs2iscsi.node.tools;

import java.util.Map;
import java.util.Optional;

/**
 * What {@code blkid -p} found on a device: its tags (TYPE, UUID, LABEL, PTTYPE, ...). {@code ambivalent}: blkid
 * saw more than one signature (exit 8) and refused to choose.
 */
public record BlkidProbe(Map<String, String> tags, boolean ambivalent) {

  public static final BlkidProbe BLANK = new BlkidProbe(Map.of(), false);

  public Optional<String> type() {
    return Optional.ofNullable(tags.get("TYPE"));
  }

  public Optional<String> uuid() {
    return Optional.ofNullable(tags.get("UUID"));
  }

  public Optional<String> label() {
    return Optional.ofNullable(tags.get("LABEL"));
  }

  /** A partition table type (dos, gpt) when the device is partitioned. */
  public Optional<String> partitionTable() {
    return Optional.ofNullable(tags.get("PTTYPE"));
  }

  /** No filesystem, partition table, RAID or other signature at all: the only state in which formatting is safe. */
  public boolean blank() {
    return !ambivalent && type().isEmpty() && partitionTable().isEmpty();
  }

  public boolean ocfs2() {
    return !ambivalent && type().filter("ocfs2"::equals).isPresent();
  }

  /** What was found, for messages: "ext4", "partition table dos", "several signatures". */
  public String describe() {
    if (ambivalent) {
      return "several signatures (blkid is ambivalent; inspect with wipefs --no-act)";
    }
    if (type().isPresent()) {
      return type().get();
    }
    if (partitionTable().isPresent()) {
      return "partition table " + partitionTable().get();
    }
    return "nothing";
  }
}
