package io.ocfs2iscsi.contract;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Short, stable names derived from text: the first bytes of its SHA-256 in lowercase hex (resource names, label
 * values, revisions, reservation keys), the same on every node and operator replica.
 */
public final class Sha256 {

  private Sha256() {}

  /** Lowercase hex of the first {@code bytes} bytes (1..32) of SHA-256 over {@code text} in UTF-8. */
  public static String hexPrefix(String text, int bytes) {
    if (bytes < 1 || bytes > 32) {
      throw new IllegalArgumentException("SHA-256 has 1..32 bytes, asked for " + bytes);
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
