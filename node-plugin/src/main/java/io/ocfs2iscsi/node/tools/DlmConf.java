package io.ocfs2iscsi.node.tools;

/**
 * /etc/dlm/dlm.conf for the user stack. TCP between the members (dlm picks SCTP only with several links). No fence
 * device is written: the product does not configure one yet, so with fencing enabled dlm_controld falls back to
 * its default agent, which needs pacemaker and fails; lock recovery then waits until the failed member restarts and
 * rejoins, which is safe but blocks the survivors.
 */
public final class DlmConf {

  public static final String PATH = "/etc/dlm/dlm.conf";

  private DlmConf() {}

  /** What dlm_controld does when a member fails. */
  public enum Fencing {
    WAIT_FOR_REJOIN,
    DISABLED
  }

  public static String render(Fencing fencing) {
    String why = fencing == Fencing.DISABLED
        ? "# Fencing disabled: lock recovery proceeds at once, without making sure the failed member stopped writing.\n"
        : "# No fence device is configured: a failed member is never fenced, so lock recovery waits until it restarts"
            + " and\n# rejoins.\n";
    return "# Written by the ocfs2-iscsi node plugin; changes here are overwritten.\n"
        + why
        + "protocol=tcp\n"
        + "enable_fencing=" + (fencing == Fencing.DISABLED ? 0 : 1) + "\n";
  }
}
