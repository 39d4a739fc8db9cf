package io.ocfs2iscsi.node;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The plugin's version, from the build (node-plugin-version.properties, filtered by Maven). */
public final class PluginVersion {

  private PluginVersion() {}

  public static String get() {
    try (InputStream in = PluginVersion.class.getResourceAsStream("/node-plugin-version.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      String v = p.getProperty("version", "dev");
      return v.startsWith("${") ? "dev" : v;
    } catch (IOException e) {
      return "dev";
    }
  }
}
