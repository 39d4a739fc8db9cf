package io.ocfs2iscsi.contract;

/**
 * The user stack's values (corosync + dlm_controld). The same constants feed the Ocfs2Cluster CRD schema, the
 * operator's validator and the node plugin's ApplyCluster checks.
 *
 * <p>corosync.conf(5): {@code token} is the time in milliseconds without the token before a token loss is declared,
 * default 3000. Below one second a busy node loses the token and leaves the membership; above two minutes a dead
 * member holds every lock request of the cluster for that long. Node ids: corosync refuses 0, and the kernel's
 * user stack waits for a local node id above 0, so the id is the o2cb number (0..254) plus one.
 */
public final class UserStackRules {

  private UserStackRules() {}

  public static final int TOKEN_MS_MIN = 1000;
  public static final int TOKEN_MS_MAX = 120_000;
  public static final int TOKEN_MS_DEFAULT = 3000;

  /**
   * corosync's authkey: knet takes 1024 bits (128 bytes) at least and 4096 bytes at most. The operator makes it base64
   * text (printable, so it travels and compares as a string), which corosync reads as the key's bytes.
   */
  public static final int AUTHKEY_MIN_BYTES = 128;
  public static final int AUTHKEY_MAX_BYTES = 4096;
  public static final String AUTHKEY_RULE =
      AUTHKEY_MIN_BYTES + ".." + AUTHKEY_MAX_BYTES + " bytes of base64 text ([A-Za-z0-9+/=])";

  /** True when {@code key} is a corosync authkey this product makes and writes. */
  public static boolean validAuthKey(byte[] key) {
    if (key.length < AUTHKEY_MIN_BYTES || key.length > AUTHKEY_MAX_BYTES) {
      return false;
    }
    for (byte b : key) {
      boolean ok = (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '+' || b == '/'
          || b == '=';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /** corosync's nodeid of the member with o2cb number {@code number}. */
  public static int nodeId(int number) {
    return number + 1;
  }
}
