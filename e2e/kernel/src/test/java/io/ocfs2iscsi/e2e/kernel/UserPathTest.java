package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.List;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The user's path on a real two-node cluster ({@link UserPath}): kubelet, containerd and kube-proxy in two
 * real-kernel guests, the chart installed with helm from README.md's commands, the examples applied, the link cut,
 * the rollout, the reboot, the cleanup and the reinstall; then the examples removed and the user stack on the second
 * LUN ({@link UserStackPath}): POSIX locks across the nodes, a rollout that keeps corosync and dlm_controld. The
 * numbers go to the report's {@code cluster} section. {@code -De2e.cluster.stack=user} runs only the install and the
 * user stack (o2cb: only the nine steps).
 */
@Tag("e2e")
class UserPathTest {

  @Test
  void theUsersPathOnARealCluster() throws Exception {
    Path work = TestBed.repoRoot().resolve("e2e/kernel/target/cluster-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    Report report = Report.shared();
    Steps steps = new Steps(report, "cluster_steps_seconds");
    try (ClusterRun run = new ClusterRun(steps, report, work,
        ClusterRun.Stacks.of(List.of("--stack", System.getProperty("e2e.cluster.stack", "both"))))) {
      try {
        run.run();
      } catch (Exception | AssertionError e) {
        System.out.println("FAILED: " + e + "\n" + run.diagnostics());
        throw e;
      }
    } finally {
      report.write(Report.defaultPath());
    }
    if (!System.getProperty("e2e.cluster.stack", "both").equals("user")) {
      assertThat(report.get(UserPath.SECTION, "link_cut_failed_writes")).isEqualTo(0);
      assertThat(report.get(UserPath.SECTION, "rollout_failed_writes")).isEqualTo(0);
      assertThat(report.get(UserPath.SECTION, "reboot_survivor_failed_writes")).isEqualTo(0);
      assertThat(report.get(UserPath.SECTION, "reinstall_to_writers_running_seconds")).isNotNull();
    }
    assertThat(report.get(UserPath.SECTION, "user_stack_fcntl_refused_on_other_node")).isEqualTo(true);
    assertThat(report.get(UserPath.SECTION, "user_stack_rollout_daemons_kept")).isEqualTo(true);
    assertThat(report.get(UserPath.SECTION, "user_stack_rollout_failed_writes")).isEqualTo(0);
  }
}
