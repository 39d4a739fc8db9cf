package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.ocfs2iscsi.contract.UserStackRules;

/** Settings of the user-space cluster stack (corosync + dlm_controld); used only with stack: user. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UserStackSpec {

  /** What dlm_controld does when a member fails. */
  public enum Fencing {
    /**
     * Fencing on, no fence device: the failed member is never fenced, so lock recovery (and I/O on every volume of
     * the cluster) waits until it restarts and rejoins.
     */
    WaitForRejoin,
    /** Fencing off: recovery proceeds at once. Unsafe when a member only seems dead and still writes. */
    Disabled,
    /**
     * SCSI-3 persistent reservations on every volume: a failed member's reservation key is preempted at the target,
     * its writes fail there, and recovery proceeds within seconds. Needs a target with PERSISTENT RESERVE OUT
     * (REGISTER AND IGNORE EXISTING KEY, RESERVE type 5, PREEMPT) and mpathpersist and sg_persist on the nodes.
     */
    PersistentReservation
  }

  @Default("" + UserStackRules.TOKEN_MS_DEFAULT)
  @Min(UserStackRules.TOKEN_MS_MIN)
  @Max(UserStackRules.TOKEN_MS_MAX)
  @JsonPropertyDescription("corosync totem token timeout (ms): a member silent this long is declared failed.")
  private Integer tokenMs = UserStackRules.TOKEN_MS_DEFAULT;

  @Default("PersistentReservation")
  @JsonPropertyDescription("What dlm_controld does when a member fails. PersistentReservation: each member registers"
      + " a SCSI-3 reservation key on the volumes it stages; a failed member's key is preempted at the target (its"
      + " writes fail there) and lock recovery proceeds within seconds; the target must support persistent"
      + " reservations. WaitForRejoin: no fence device, lock recovery (and I/O on every volume of the cluster) on"
      + " the survivors waits until the failed member restarts and rejoins. Disabled: recovery proceeds at once"
      + " without fencing; unsafe unless the failed member is known to be stopped.")
  private Fencing fencing = Fencing.PersistentReservation;

  public Integer getTokenMs() {
    return tokenMs;
  }

  public void setTokenMs(Integer tokenMs) {
    this.tokenMs = tokenMs;
  }

  public Fencing getFencing() {
    return fencing;
  }

  public void setFencing(Fencing fencing) {
    this.fencing = fencing;
  }
}
