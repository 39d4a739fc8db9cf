package io.ocfs2iscsi.contract.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What a file is on disk now (inode, modification time, size). A kubelet Secret or ConfigMap update swaps a symlink
 * to new files, an editor or cert-manager rewrites one: either way the stamp changes.
 */
record FileStamp(Object key, FileTime modified, long size) {

  static final FileStamp MISSING = new FileStamp(null, FileTime.fromMillis(0), -1);

  static FileStamp of(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return new FileStamp(a.fileKey(), a.lastModifiedTime(), a.size());
    } catch (IOException e) {
      return MISSING;
    }
  }
}
