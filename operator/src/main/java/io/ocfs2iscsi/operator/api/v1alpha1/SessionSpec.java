package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

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

  @Default("10")
  @Min(1)
  @Max(600)
  @JsonPropertyDescription(
      "node.session.timeo.replacement_timeout: seconds a failed session may stay down before its I/O fails over"
          + " (open-iscsi's default 120 is lowered to 10 as in the reference setup).")
  private Integer replacementTimeoutSeconds = 10;

  @Default("automatic")
  @JsonPropertyDescription("node.startup: automatic logs in again after a node reboot.")
  private Startup startup = Startup.AUTOMATIC;

  public Integer getReplacementTimeoutSeconds() { return replacementTimeoutSeconds; }

  public void setReplacementTimeoutSeconds(Integer v) { this.replacementTimeoutSeconds = v; }

  public Startup getStartup() { return startup; }

  public void setStartup(Startup startup) { this.startup = startup; }
}
