package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.ocfs2iscsi.contract.FailoverDefaults;

public class SessionSpec {

  /** node.startup of the iSCSI node records. */
  public enum Startup {
    @JsonProperty("automatic")
    AUTOMATIC,
    @JsonProperty("manual")
    MANUAL;

    public String value() {
      return name().toLowerCase();
    }
  }

  @Default("" + FailoverDefaults.REPLACEMENT_TIMEOUT_SECONDS)
  @Min(1)
  @Max(600)
  @JsonPropertyDescription(
      "node.session.timeo.replacement_timeout: seconds a failed session may stay down before its I/O fails over to"
          + " another path (the session's recovery_tmo; the node plugin also gives it to multipathd as"
          + " fast_io_fail_tmo, which would otherwise replace it with 5). open-iscsi's default 120 is lowered to 3 so"
          + " that a lost path stalls a writer for at most noopOutInterval + noopOutTimeout + this.")
  private Integer replacementTimeoutSeconds = FailoverDefaults.REPLACEMENT_TIMEOUT_SECONDS;

  @Default("" + FailoverDefaults.NOOP_OUT_INTERVAL_SECONDS)
  @Min(FailoverDefaults.NOOP_OUT_MIN)
  @Max(FailoverDefaults.NOOP_OUT_MAX)
  @JsonPropertyDescription(
      "node.conn[0].timeo.noop_out_interval: seconds without a PDU from the target before the initiator pings it"
          + " (open-iscsi's default 5).")
  private Integer noopOutIntervalSeconds = FailoverDefaults.NOOP_OUT_INTERVAL_SECONDS;

  @Default("" + FailoverDefaults.NOOP_OUT_TIMEOUT_SECONDS)
  @Min(FailoverDefaults.NOOP_OUT_MIN)
  @Max(FailoverDefaults.NOOP_OUT_MAX)
  @JsonPropertyDescription(
      "node.conn[0].timeo.noop_out_timeout: seconds a ping may stay unanswered before the connection is failed"
          + " (open-iscsi's default 5). A silent path is noticed after at most noopOutInterval + noopOutTimeout.")
  private Integer noopOutTimeoutSeconds = FailoverDefaults.NOOP_OUT_TIMEOUT_SECONDS;

  @Default("automatic")
  @JsonPropertyDescription("node.startup: automatic logs in again after a node reboot.")
  private Startup startup = Startup.AUTOMATIC;

  public Integer getReplacementTimeoutSeconds() { return replacementTimeoutSeconds; }

  public void setReplacementTimeoutSeconds(Integer v) { this.replacementTimeoutSeconds = v; }

  public Integer getNoopOutIntervalSeconds() { return noopOutIntervalSeconds; }

  public void setNoopOutIntervalSeconds(Integer v) { this.noopOutIntervalSeconds = v; }

  public Integer getNoopOutTimeoutSeconds() { return noopOutTimeoutSeconds; }

  public void setNoopOutTimeoutSeconds(Integer v) { this.noopOutTimeoutSeconds = v; }

  public Startup getStartup() { return startup; }

  public void setStartup(Startup startup) { this.startup = startup; }
}
