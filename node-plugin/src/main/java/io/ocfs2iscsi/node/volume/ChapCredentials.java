package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.node.NodeException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * CHAP settings from the call's secrets, checked before they reach a record file. Error messages name the key,
 * never the value.
 */
public final class ChapCredentials {

  /** Printable, no line breaks (they would end the record line), no surrounding blanks (iscsiadm trims them). */
  private static final Pattern VALUE = Pattern.compile("^[\\x21-\\x7E]([\\x20-\\x7E]{0,253}[\\x21-\\x7E])?$");

  private final Map<String, String> node;
  private final Map<String, String> discovery;

  private ChapCredentials(Map<String, String> node, Map<String, String> discovery) {
    this.node = node;
    this.discovery = discovery;
  }

  public static final ChapCredentials NONE = new ChapCredentials(Map.of(), Map.of());

  /**
   * @param required the volume says CHAP is expected (VolumeSpec target.chap)
   */
  public static ChapCredentials from(Map<String, String> secrets, boolean required) {
    Map<String, String> s = secrets == null ? Map.of() : secrets;
    for (Map.Entry<String, String> e : s.entrySet()) {
      if (ChapSecretKeys.ALL.contains(e.getKey()) && !VALUE.matcher(e.getValue()).matches()) {
        throw NodeException.invalidArgument(
            "secret " + e.getKey() + " must be 1-255 printable ASCII characters without line breaks or surrounding"
                + " blanks");
      }
    }
    Map<String, String> node =
        pairs(s, ChapSecretKeys.SESSION_USERNAME, ChapSecretKeys.SESSION_PASSWORD, ChapSecretKeys.SESSION_USERNAME_IN,
            ChapSecretKeys.SESSION_PASSWORD_IN, "node.session.auth.authmethod");
    Map<String, String> discovery =
        pairs(s, ChapSecretKeys.DISCOVERY_USERNAME, ChapSecretKeys.DISCOVERY_PASSWORD,
            ChapSecretKeys.DISCOVERY_USERNAME_IN, ChapSecretKeys.DISCOVERY_PASSWORD_IN,
            "discovery.sendtargets.auth.authmethod");
    if (required && node.isEmpty()) {
      throw NodeException.invalidArgument(
          "the volume expects CHAP but the secrets lack " + ChapSecretKeys.SESSION_USERNAME + " and "
              + ChapSecretKeys.SESSION_PASSWORD + " (check the volume's chapSecretRef)");
    }
    return new ChapCredentials(node, discovery);
  }

  private static Map<String, String> pairs(
      Map<String, String> s, String user, String password, String userIn, String passwordIn, String methodKey) {
    Map<String, String> out = new LinkedHashMap<>();
    boolean hasUser = s.containsKey(user);
    if (hasUser != s.containsKey(password)) {
      throw NodeException.invalidArgument("secrets must hold both " + user + " and " + password + ", or neither");
    }
    if (s.containsKey(userIn) != s.containsKey(passwordIn)) {
      throw NodeException.invalidArgument("secrets must hold both " + userIn + " and " + passwordIn + ", or neither");
    }
    if (!hasUser) {
      if (s.containsKey(userIn)) {
        throw NodeException.invalidArgument("mutual CHAP (" + userIn + ") needs " + user + " and " + password);
      }
      return out;
    }
    out.put(methodKey, "CHAP");
    out.put(user, s.get(user));
    out.put(password, s.get(password));
    if (s.containsKey(userIn)) {
      out.put(userIn, s.get(userIn));
      out.put(passwordIn, s.get(passwordIn));
    }
    return out;
  }

  /** Settings for each node record (empty without CHAP). */
  public Map<String, String> nodeSettings() {
    return node;
  }

  /** Settings for the discovery record (empty without discovery CHAP). */
  public Map<String, String> discoverySettings() {
    return discovery;
  }

  /** Every secret value, for the redactor. */
  public Collection<String> values() {
    List<String> v = new ArrayList<>();
    node.forEach((k, val) -> { if (!k.endsWith("authmethod")) v.add(val); });
    discovery.forEach((k, val) -> { if (!k.endsWith("authmethod")) v.add(val); });
    return v;
  }
}
