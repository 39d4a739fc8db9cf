package io.ocfs2iscsi.node.metrics;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A Prometheus histogram of seconds with fixed buckets, one series per label values (e.g. operation, outcome). */
final class Histogram {

  private final String name;
  private final String help;
  private final List<String> labelNames;
  private final double[] bounds;
  private final Map<List<String>, Series> series = new TreeMap<>((a, b) -> String.join("\0", a)
      .compareTo(String.join("\0", b)));

  private static final class Series {
    final long[] buckets;
    long count;
    double sum;

    Series(int n) {
      buckets = new long[n];
    }
  }

  Histogram(String name, String help, List<String> labelNames, double... bounds) {
    this.name = name;
    this.help = help;
    this.labelNames = List.copyOf(labelNames);
    this.bounds = bounds.clone();
    Arrays.sort(this.bounds);
  }

  synchronized void observe(double seconds, String... labelValues) {
    if (labelValues.length != labelNames.size()) {
      throw new IllegalArgumentException(name + " has labels " + labelNames);
    }
    Series s = series.computeIfAbsent(List.of(labelValues), k -> new Series(bounds.length));
    for (int i = 0; i < bounds.length; i++) {
      if (seconds <= bounds[i]) {
        s.buckets[i]++;
      }
    }
    s.count++;
    s.sum += seconds;
  }

  synchronized void render(PrometheusText out) {
    out.family(name, "histogram", help);
    series.forEach((values, s) -> {
      for (int i = 0; i < bounds.length; i++) {
        out.sample(name + "_bucket", s.buckets[i], labels(values, PrometheusText.number(bounds[i])));
      }
      out.sample(name + "_bucket", s.count, labels(values, "+Inf"));
      out.sample(name + "_sum", s.sum, labels(values, null));
      out.sample(name + "_count", s.count, labels(values, null));
    });
  }

  private String[] labels(List<String> values, String le) {
    String[] out = new String[values.size() * 2 + (le == null ? 0 : 2)];
    for (int i = 0; i < values.size(); i++) {
      out[2 * i] = labelNames.get(i);
      out[2 * i + 1] = values.get(i);
    }
    if (le != null) {
      out[out.length - 2] = "le";
      out[out.length - 1] = le;
    }
    return out;
  }
}
