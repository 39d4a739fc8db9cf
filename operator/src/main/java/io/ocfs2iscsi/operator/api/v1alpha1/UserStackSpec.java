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
    Disabled
  }

  @Default("" + UserStackRules.TOKEN_MS_DEFAULT)
  @Min(UserStackRules.TOKEN_MS_MIN)
  @Max(UserStackRules.TOKEN_MS_MAX)
  @JsonPropertyDescription("corosync totem token timeout (ms): a member silent this long is declared failed.")
  private Integer tokenMs = UserStackRules.TOKEN_MS_DEFAULT;

  @Default("WaitForRejoin")
  @JsonPropertyDescription("What dlm_controld does when a member fails. WaitForRejoin: no fence device is configured"
      + " yet, so lock recovery on the survivors waits until the failed member restarts and rejoins. Disabled:"
      + " recovery proceeds at once without fencing; unsafe unless the failed member is known to be stopped.")
  private Fencing fencing = Fencing.WaitForRejoin;

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
