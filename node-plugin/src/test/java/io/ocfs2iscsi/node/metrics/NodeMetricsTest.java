package io.ocfs2iscsi.node.metrics;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.contract.ChapSecretKeys;
import io.ocfs2iscsi.node.host.CountingCommandRunner;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.ManualClock;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.volume.KubeletPaths;
import io.ocfs2iscsi.node.volume.Requests;
import io.ocfs2iscsi.node.volume.VolumeInspector;
import io.ocfs2iscsi.node.volume.VolumeStager;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The rendered metrics of the reference volume staged over the fake host, while its paths fail and come back. */
class NodeMetricsTest {

  /** One sample line of the text format: name, optional labels with escaped values, a number. */
  private static final Pattern SAMPLE = Pattern.compile(
      "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\[\\\\\"n]|[^\"\\\\\\n])*\""
          + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"(\\\\[\\\\\"n]|[^\"\\\\\\n])*\")*\\})? (-?[0-9]+(\\.[0-9]+)?|\\+Inf)");

  @TempDir Path root;
  ReferenceHost host;
  ManualClock clock = new ManualClock(Instant.parse("2026-12-01T21:00:00Z"));
  CountingCommandRunner commands;
  VolumeStager stager;
  VolumeInspector inspector;
  NodeMetrics metrics;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
    commands = new CountingCommandRunner(host.fake);
    HostTools tools = HostTools.create(commands, host.files, HostMode.DIRECT, d -> {}, host.redactor);
    HealthCounters counters = new HealthCounters(clock);
    inspector = new VolumeInspector(tools, host.state, null, counters);
    metrics = new NodeMetrics(host.state::volumes, inspector, counters, commands);
    stager = new VolumeStager(tools, host.state, host.locks, host.redactor, ReferenceHost.FAST, host.cluster,
        host.targets, new KubeletPaths(KubeletPaths.DEFAULT_DIR, host.files), metrics);
  }

  private void stage(VolumeSpec spec, Map<String, String> secrets) {
    stager.stage(new Requests.Stage("mylun", STAGING, spec, secrets, List.of()));
  }

  private String render() {
    String text = metrics.render();
    for (String line : text.split("\n")) {
      if (!line.startsWith("# HELP ") && !line.startsWith("# TYPE ")) {
        assertThat(line).matches(SAMPLE);
      }
    }
    return text;
  }

  private void sessions(String capture) {
    host.fake.on("iscsiadm", "-m", "session", "-P", "1").reply(Reply.ok(captured(capture)));
  }

  private void topology(String capture) {
    host.fake.on("multipathd", "show", "topology").reply(Reply.ok(captured(capture)));
  }

  @Test
  void aStagedVolumeShowsItsPathsSessionsMapAndStageDurations() {
    stage(ReferenceHost.spec(), Map.of());

    String text = render();

    assertThat(text)
        .contains("# TYPE ocfs2iscsi_node_path_up gauge\n")
        .contains("ocfs2iscsi_node_path_up{volume=\"mylun\",device=\"sdc\",hctl=\"3:0:0:0\"} 1\n")
        .contains("ocfs2iscsi_node_path_up{volume=\"mylun\",device=\"sdd\",hctl=\"4:0:0:0\"} 1\n")
        .contains("ocfs2iscsi_node_volume_paths_up{volume=\"mylun\"} 2\n")
        .contains("ocfs2iscsi_node_volume_portals{volume=\"mylun\"} 2\n")
        .contains("ocfs2iscsi_node_volume_mounted{volume=\"mylun\"} 1\n")
        .contains("ocfs2iscsi_node_session_up{volume=\"mylun\",portal=\"" + PORTAL_A + "\"} 1\n")
        .contains("ocfs2iscsi_node_session_state{volume=\"mylun\",portal=\"" + PORTAL_B + "\",state=\"LOGGED_IN\"} 1\n")
        .contains("ocfs2iscsi_node_session_state{volume=\"mylun\",portal=\"" + PORTAL_B + "\",state=\"FAILED\"} 0\n")
        .contains("ocfs2iscsi_node_session_recoveries_total{volume=\"mylun\",portal=\"" + PORTAL_A + "\"} 0\n")
        .contains("ocfs2iscsi_node_map_queueing{volume=\"mylun\",map=\"mylun\"} 0\n")
        .contains("ocfs2iscsi_node_map_queued_seconds_total{volume=\"mylun\",map=\"mylun\"} 0\n")
        .contains("# TYPE ocfs2iscsi_node_operation_duration_seconds histogram\n")
        .contains("ocfs2iscsi_node_operation_duration_seconds_count{operation=\"stage\",outcome=\"ok\"} 1\n")
        .contains("ocfs2iscsi_node_operation_duration_seconds_bucket{operation=\"stage\",outcome=\"ok\",le=\"+Inf\"} 1\n")
        .contains("ocfs2iscsi_node_stage_step_duration_seconds_count{step=\"iscsi_login\"} 1\n")
        .contains("ocfs2iscsi_node_stage_step_duration_seconds_count{step=\"mount\"} 1\n")
        .containsPattern("ocfs2iscsi_node_host_commands_total\\{tool=\"iscsiadm\"} [1-9][0-9]*\n")
        .containsPattern("ocfs2iscsi_node_host_commands_total\\{tool=\"scsi_id\"} [1-9][0-9]*\n");
    // Every exported name has its HELP and TYPE.
    for (String name : NodeMetrics.NAMES) {
      assertThat(text).contains("# HELP " + name + " ").contains("# TYPE " + name + " ");
    }
  }

  @Test
  void aFailedPathAndSessionGoDownAndTheirReturnCountsARecovery() {
    stage(ReferenceHost.spec(), Map.of());
    render();

    sessions("e2e/iscsiadm-session-P1-path-failed.txt");
    topology("e2e/multipathd-show-topology-path-failed.txt");
    String down = render();

    assertThat(down)
        .contains("ocfs2iscsi_node_session_up{volume=\"mylun\",portal=\"" + PORTAL_B + "\"} 0\n")
        .contains("ocfs2iscsi_node_session_state{volume=\"mylun\",portal=\"" + PORTAL_B + "\",state=\"FREE\"} 1\n")
        .contains("ocfs2iscsi_node_session_state{volume=\"mylun\",portal=\"" + PORTAL_B + "\",state=\"LOGGED_IN\"} 0\n")
        .contains("ocfs2iscsi_node_volume_paths_up{volume=\"mylun\"} 1\n")
        .containsPattern("ocfs2iscsi_node_path_up\\{volume=\"mylun\",device=\"sd.\",hctl=\"[0-9:]+\"} 0\n")
        .contains("ocfs2iscsi_node_session_recoveries_total{volume=\"mylun\",portal=\"" + PORTAL_B + "\"} 0\n")
        .contains("ocfs2iscsi_node_map_queueing{volume=\"mylun\",map=\"mylun\"} 0\n");

    sessions("reference/iscsiadm-session-P1.txt");
    topology("e2e/multipathd-show-topology.txt");
    String back = render();

    assertThat(back)
        .contains("ocfs2iscsi_node_session_up{volume=\"mylun\",portal=\"" + PORTAL_B + "\"} 1\n")
        .contains("ocfs2iscsi_node_volume_paths_up{volume=\"mylun\"} 2\n")
        .doesNotContainPattern("ocfs2iscsi_node_path_up\\{[^}]*} 0\n")
        .contains("ocfs2iscsi_node_session_recoveries_total{volume=\"mylun\",portal=\"" + PORTAL_B + "\"} 1\n")
        .contains("ocfs2iscsi_node_session_recoveries_total{volume=\"mylun\",portal=\"" + PORTAL_A + "\"} 0\n");
  }

  @Test
  void theOperatorsHealthPollsCountRecoveriesBetweenScrapes() {
    stage(ReferenceHost.spec(), Map.of());
    render();

    sessions("e2e/iscsiadm-session-P1-path-failed.txt");
    inspector.health(ReferenceHost.spec());
    sessions("reference/iscsiadm-session-P1.txt");

    assertThat(render())
        .contains("ocfs2iscsi_node_session_recoveries_total{volume=\"mylun\",portal=\"" + PORTAL_B + "\"} 1\n");
  }

  @Test
  void aMapWithoutPathsQueuesAndItsQueuedSecondsGrowUntilAPathIsBack() {
    stage(ReferenceHost.spec(), Map.of());
    render();

    topology("e2e/multipath-ll-all-paths-failed.txt");
    String queueing = render();
    clock.advance(Duration.ofSeconds(12));
    String still = render();
    clock.advance(Duration.ofSeconds(8));
    topology("e2e/multipathd-show-topology.txt");
    String flowing = render();
    clock.advance(Duration.ofSeconds(30));
    String later = render();

    assertThat(queueing)
        .contains("ocfs2iscsi_node_map_queueing{volume=\"mylun\",map=\"mylun\"} 1\n")
        .contains("ocfs2iscsi_node_volume_paths_up{volume=\"mylun\"} 0\n")
        .contains("ocfs2iscsi_node_map_queued_seconds_total{volume=\"mylun\",map=\"mylun\"} 0\n");
    assertThat(still).contains("ocfs2iscsi_node_map_queued_seconds_total{volume=\"mylun\",map=\"mylun\"} 12\n");
    assertThat(flowing)
        .contains("ocfs2iscsi_node_map_queueing{volume=\"mylun\",map=\"mylun\"} 0\n")
        .contains("ocfs2iscsi_node_map_queued_seconds_total{volume=\"mylun\",map=\"mylun\"} 20\n");
    assertThat(later).contains("ocfs2iscsi_node_map_queued_seconds_total{volume=\"mylun\",map=\"mylun\"} 20\n");
  }

  @Test
  void failedCommandsAreCountedByToolAndHowNeverByWhatTheySaid() {
    host.fake.on("iscsiadm", "-m", "session", "-P", "1")
        .reply(new Reply(-1, "", "iscsiadm: secret-looking-output-123\n"));

    assertThatThrownBy(() -> stage(ReferenceHost.spec(), Map.of())).isNotNull();
    String text = render();

    assertThat(text)
        .containsPattern("ocfs2iscsi_node_host_command_failures_total\\{tool=\"iscsiadm\",reason=\"timed_out\"} [1-9]")
        .contains("ocfs2iscsi_node_operation_duration_seconds_count{operation=\"stage\",outcome=\"error\"} 1\n")
        .doesNotContain("secret-looking-output-123");
  }

  @Test
  void unstagedVolumesLeaveNoSeriesAndUnstageIsTimed() {
    stage(ReferenceHost.spec(), Map.of());
    render();

    stager.unstage(new Requests.Unstage("mylun", STAGING));
    String text = render();

    assertThat(text)
        .doesNotContain("volume=\"mylun\"")
        .contains("ocfs2iscsi_node_operation_duration_seconds_count{operation=\"unstage\",outcome=\"ok\"} 1\n");
  }

  @Test
  void noChapValueAppearsInTheMetrics() {
    Map<String, String> secrets = Map.of(
        ChapSecretKeys.SESSION_USERNAME, "chap-user-0451",
        ChapSecretKeys.SESSION_PASSWORD, "S3cretPassw0rd!",
        ChapSecretKeys.SESSION_USERNAME_IN, "target-user-9113",
        ChapSecretKeys.SESSION_PASSWORD_IN, "An0ther-S3cret#");
    VolumeSpec chap = ReferenceHost.spec().toBuilder()
        .setTarget(ReferenceHost.spec().getTarget().toBuilder().setChap(true))
        .build();
    stage(chap, secrets);
    // A failing command that prints a secret: only its tool and how it failed are counted.
    host.fake.on("iscsiadm", "-m", "session", "-P", "1")
        .reply(new Reply(1, "S3cretPassw0rd!", "iscsiadm: login as chap-user-0451 failed\n"));

    String text = render();

    assertThat(text).contains("ocfs2iscsi_node_host_command_failures_total{tool=\"iscsiadm\",reason=\"exit_code\"}");
    for (String value : secrets.values()) {
      assertThat(text).doesNotContain(value);
    }
  }

  @Test
  void labelValuesAreEscaped() {
    String text = new PrometheusText()
        .family("m", "gauge", "help with \\ and\nnew line")
        .sample("m", 1, "a", "quote \" backslash \\ newline \n end")
        .toString();

    assertThat(text).isEqualTo("# HELP m help with \\\\ and\\nnew line\n# TYPE m gauge\n"
        + "m{a=\"quote \\\" backslash \\\\ newline \\n end\"} 1\n");
    assertThat(text.split("\n")[2]).matches(SAMPLE);
  }
}
