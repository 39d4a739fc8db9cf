package io.ocfs2iscsi.node.host;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Masks CHAP values in anything that leaves the plugin as text (logged command output, gRPC error messages). A
 * call holds its secrets for its duration ({@link #hold}); until released, every {@link #redact} masks them. The
 * code never logs a secret on purpose: this is the net under tool output that might echo one.
 */
public final class SecretRedactor {

  public static final String MASK = "***";
  /** Shorter values (e.g. "a") would mask ordinary words; CHAP secrets are at least this long in practice. */
  private static final int MIN_LENGTH = 3;

  private final ConcurrentHashMap<String, Integer> held = new ConcurrentHashMap<>();

  /** Registers the values until the returned handle is closed; nesting and concurrent holders are counted. */
  public Hold hold(Collection<String> secrets) {
    List<String> values = secrets.stream().filter(s -> s != null && s.length() >= MIN_LENGTH).toList();
    values.forEach(v -> held.merge(v, 1, Integer::sum));
    return () -> values.forEach(v -> held.computeIfPresent(v, (k, n) -> n <= 1 ? null : n - 1));
  }

  /**
   * Runs {@code work} while holding {@code secrets}; a failure leaves with its message redacted (the hold ends
   * before any caller could redact it).
   */
  public <T> T withSecrets(Collection<String> secrets, java.util.function.Supplier<T> work) {
    try (Hold h = hold(secrets)) {
      try {
        return work.get();
      } catch (io.ocfs2iscsi.node.NodeException e) {
        String m = redact(e.getMessage());
        if (m != null && m.equals(e.getMessage())) {
          throw e;
        }
        throw new io.ocfs2iscsi.node.NodeException(e.code(), m);
      } catch (RuntimeException e) {
        throw new io.ocfs2iscsi.node.NodeException(
            io.ocfs2iscsi.node.NodeException.Code.INTERNAL, redact(String.valueOf(e.getMessage())));
      }
    }
  }

  public String redact(String text) {
    if (text == null || text.isEmpty() || held.isEmpty()) {
      return text;
    }
    String out = text;
    // Longest first, so that a secret containing another is masked whole.
    for (String s : held.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList()) {
      out = out.replace(s, MASK);
    }
    return out;
  }

  /** A registration of secrets; closing it never throws. */
  public interface Hold extends AutoCloseable {
    @Override
    void close();
  }
}
