package io.ocfs2iscsi.node.metrics;

import java.util.Locale;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): a family's HELP and TYPE lines, then its samples
 * with escaped label values.
 */
public final class PrometheusText {

  private final StringBuilder out = new StringBuilder();

  /** Starts a family: {@code type} is counter, gauge or histogram. */
  public PrometheusText family(String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(escapeHelp(help)).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    return this;
  }

  /** One sample; {@code labels} alternate names and values. */
  public PrometheusText sample(String name, double value, String... labels) {
    if (labels.length % 2 != 0) {
      throw new IllegalArgumentException("labels come in name/value pairs");
    }
    out.append(name);
    if (labels.length > 0) {
      out.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i]).append("=\"").append(escapeLabel(labels[i + 1])).append('"');
      }
      out.append('}');
    }
    out.append(' ').append(number(value)).append('\n');
    return this;
  }

  /** A label value as the format wants it: backslash, double quote and line feed escaped. */
  public static String escapeLabel(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }

  private static String escapeHelp(String help) {
    return help.replace("\\", "\\\\").replace("\n", "\\n");
  }

  static String number(double v) {
    if (Double.isInfinite(v)) {
      return v > 0 ? "+Inf" : "-Inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return String.format(Locale.ROOT, "%.6f", v).replaceAll("0+$", "");
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
