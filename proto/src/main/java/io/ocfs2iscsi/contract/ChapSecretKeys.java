package io.ocfs2iscsi.contract;

import java.util.List;

/**
 * Keys of a CHAP Secret (the same keys as Kubernetes' kubernetes.io/iscsi-chap secrets), as they arrive in CSI
 * stage secrets and in FormatVolume. Values are never logged, put in events, status or error messages.
 */
public final class ChapSecretKeys {

  private ChapSecretKeys() {}

  public static final String SESSION_USERNAME = "node.session.auth.username";
  public static final String SESSION_PASSWORD = "node.session.auth.password";
  /** Mutual CHAP: the target's credentials, checked by the initiator. */
  public static final String SESSION_USERNAME_IN = "node.session.auth.username_in";
  public static final String SESSION_PASSWORD_IN = "node.session.auth.password_in";
  public static final String DISCOVERY_USERNAME = "discovery.sendtargets.auth.username";
  public static final String DISCOVERY_PASSWORD = "discovery.sendtargets.auth.password";
  public static final String DISCOVERY_USERNAME_IN = "discovery.sendtargets.auth.username_in";
  public static final String DISCOVERY_PASSWORD_IN = "discovery.sendtargets.auth.password_in";

  public static final List<String> ALL =
      List.of(
          SESSION_USERNAME,
          SESSION_PASSWORD,
          SESSION_USERNAME_IN,
          SESSION_PASSWORD_IN,
          DISCOVERY_USERNAME,
          DISCOVERY_PASSWORD,
          DISCOVERY_USERNAME_IN,
          DISCOVERY_PASSWORD_IN);
}
