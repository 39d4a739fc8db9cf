package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.ocfs2iscsi.contract.FailoverDefaults;
import io.ocfs2iscsi.contract.ValueRules;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class MultipathSpec {

  public enum PathGroupingPolicy {
    @JsonProperty("multibus")
    MULTIBUS("multibus"),
    @JsonProperty("failover")
    FAILOVER("failover"),
    @JsonProperty("group_by_serial")
    GROUP_BY_SERIAL("group_by_serial"),
    @JsonProperty("group_by_prio")
    GROUP_BY_PRIO("group_by_prio"),
    @JsonProperty("group_by_node_name")
    GROUP_BY_NODE_NAME("group_by_node_name");

    private final String value;

    PathGroupingPolicy(String value) { this.value = value; }

    public String value() { return value; }
  }

  public enum PathSelector {
    @JsonProperty("round-robin 0")
    ROUND_ROBIN("round-robin 0"),
    @JsonProperty("queue-length 0")
    QUEUE_LENGTH("queue-length 0"),
    @JsonProperty("service-time 0")
    SERVICE_TIME("service-time 0"),
    @JsonProperty("historical-service-time 0")
    HISTORICAL_SERVICE_TIME("historical-service-time 0");

    private final String value;

    PathSelector(String value) { this.value = value; }

    public String value() { return value; }
  }

  public enum PathChecker {
    @JsonProperty("tur")
    TUR("tur"),
    @JsonProperty("readsector0")
    READSECTOR0("readsector0"),
    @JsonProperty("directio")
    DIRECTIO("directio"),
    @JsonProperty("rdac")
    RDAC("rdac"),
    @JsonProperty("emc_clariion")
    EMC_CLARIION("emc_clariion"),
    @JsonProperty("hp_sw")
    HP_SW("hp_sw"),
    @JsonProperty("none")
    NONE("none");

    private final String value;

    PathChecker(String value) { this.value = value; }

    public String value() { return value; }
  }

  @Pattern(ValueRules.ALIAS)
  @JsonPropertyDescription("Name of the map under /dev/mapper. Default: the IscsiSharedVolume's name.")
  private String alias;

  @Pattern(ValueRules.WWID)
  @JsonPropertyDescription("Expected WWID; when unset it is discovered (all paths must agree) and pinned in status.")
  private String wwid;

  @Default("multibus")
  @JsonPropertyDescription("path_grouping_policy; multibus puts all paths in one group.")
  private PathGroupingPolicy pathGroupingPolicy = PathGroupingPolicy.MULTIBUS;

  @Default("round-robin 0")
  @JsonPropertyDescription("path_selector.")
  private PathSelector pathSelector = PathSelector.ROUND_ROBIN;

  @Default("tur")
  @JsonPropertyDescription("path_checker (the reference setup used readsector0).")
  private PathChecker pathChecker = PathChecker.TUR;

  @Default("" + FailoverDefaults.POLLING_INTERVAL_SECONDS)
  @Min(1)
  @Max(60)
  @JsonPropertyDescription("polling_interval: seconds between checks of a failed path (healthy paths up to 4 times"
      + " that); a path whose session is back carries I/O again within one interval. Host-wide in multipathd: the"
      + " smallest of the node's volumes applies.")
  private Integer pollingIntervalSeconds = FailoverDefaults.POLLING_INTERVAL_SECONDS;

  @Default("immediate")
  @Pattern(ValueRules.FAILBACK)
  @JsonPropertyDescription("failback: immediate, manual, followover or seconds.")
  private String failback = "immediate";

  @Default(FailoverDefaults.NO_PATH_RETRY)
  @Pattern(ValueRules.NO_PATH_RETRY)
  @JsonPropertyDescription(
      "no_path_retry: how many checker intervals I/O is queued when every path is down (a count), queue (forever) or"
          + " fail. The window must cover the target's failover and stay below the o2cb dead time.")
  private String noPathRetry = FailoverDefaults.NO_PATH_RETRY;

  public String getAlias() { return alias; }

  public void setAlias(String alias) { this.alias = alias; }

  public String getWwid() { return wwid; }

  public void setWwid(String wwid) { this.wwid = wwid; }

  public PathGroupingPolicy getPathGroupingPolicy() { return pathGroupingPolicy; }

  public void setPathGroupingPolicy(PathGroupingPolicy v) { this.pathGroupingPolicy = v; }

  public PathSelector getPathSelector() { return pathSelector; }

  public void setPathSelector(PathSelector pathSelector) { this.pathSelector = pathSelector; }

  public PathChecker getPathChecker() { return pathChecker; }

  public void setPathChecker(PathChecker pathChecker) { this.pathChecker = pathChecker; }

  public Integer getPollingIntervalSeconds() { return pollingIntervalSeconds; }

  public void setPollingIntervalSeconds(Integer v) { this.pollingIntervalSeconds = v; }

  public String getFailback() { return failback; }

  public void setFailback(String failback) { this.failback = failback; }

  public String getNoPathRetry() { return noPathRetry; }

  public void setNoPathRetry(String noPathRetry) { this.noPathRetry = noPathRetry; }
}
