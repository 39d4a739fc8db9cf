package io.ocfs2iscsi.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Captured host outputs and golden files from src/test/resources. */
public final class Fixtures {

  private Fixtures() {}

  /** A captured output: captured/reference/... (the by-hand setup), captured/e2e/... (the real-kernel guests). */
  public static String captured(String name) {
    return resource("/captured/" + name);
  }

  public static String golden(String name) {
    return resource("/golden/" + name);
  }

  public static String resource(String path) {
    try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
      if (in == null) {
        throw new IllegalArgumentException("no test resource " + path);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
