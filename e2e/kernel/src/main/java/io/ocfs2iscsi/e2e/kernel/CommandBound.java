package io.ocfs2iscsi.e2e.kernel;

import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How long the harness waits for a kubectl or helm command line. A command that carries its own
 * {@code --timeout=<duration>} (kubectl rollout status, kubectl wait, helm --wait) must get that long plus a margin
 * for the client to report its own timeout: a harness bound shorter than the command's turns a slow rollout into a
 * "no answer" with no output at all.
 */
final class CommandBound {

  /** What a client needs after its own deadline to print why it gave up and exit. */
  static final Duration MARGIN = Duration.ofMinutes(1);
  private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+)(h|ms|m|s)");

  private CommandBound() {}

  /** The longer of {@code fallback} and the command line's own {@code --timeout} plus {@link #MARGIN}. */
  static Duration of(List<String> argv, Duration fallback) {
    Duration own = null;
    for (int i = 0; i < argv.size(); i++) {
      String arg = argv.get(i);
      if (arg.startsWith("--timeout=")) {
        own = goDuration(arg.substring("--timeout=".length()));
      } else if (arg.equals("--timeout") && i + 1 < argv.size()) {
        own = goDuration(argv.get(i + 1));
      }
    }
    if (own == null) {
      return fallback;
    }
    Duration withMargin = own.plus(MARGIN);
    return withMargin.compareTo(fallback) > 0 ? withMargin : fallback;
  }

  /** A Go duration as kubectl and helm take it ("6m", "90s", "1m30s"); null when it is not one. */
  static Duration goDuration(String text) {
    if (text.isEmpty()) {
      return null;
    }
    Matcher m = GO_DURATION_PART.matcher(text);
    Duration d = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        case "s" -> Duration.ofSeconds(n);
        default -> Duration.ofMillis(n);
      });
      end = m.end();
    }
    return end == text.length() ? d : null;
  }
}
