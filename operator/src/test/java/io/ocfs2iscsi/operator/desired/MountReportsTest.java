package io.ocfs2iscsi.operator.desired;

import static io.ocfs2iscsi.operator.desired.MountReports.Report.MOUNTED;
import static io.ocfs2iscsi.operator.desired.MountReports.Report.UNKNOWN;
import static io.ocfs2iscsi.operator.desired.MountReports.Report.UNMOUNTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.operator.api.v1alpha1.FormattedStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MountReportsTest {

  /** A node's entry as the health poll writes it: mounted true/false when the agent answered, null when not. */
  private static NodeVolumeStatus entry(String node, Boolean mounted, Boolean held) {
    NodeVolumeStatus n = new NodeVolumeStatus();
    n.setNode(node);
    n.setMounted(mounted);
    n.setHeld(held);
    return n;
  }

  private static IscsiSharedVolume volume(boolean formatted, NodeVolumeStatus... nodes) {
    IscsiSharedVolume v = ExampleResources.volume();
    v.setStatus(new IscsiSharedVolumeStatus());
    if (formatted) {
      v.getStatus().setFormatted(new FormattedStatus("uuid", "n1", "2025-03-01T10:00:00Z", false));
    }
    v.getStatus().setNodes(List.of(nodes));
    return v;
  }

  @Test
  void onlyAnAnswerGivenAfterTheNodeLeftCountsAsUnmounted() {
    IscsiSharedVolume v = volume(true,
        entry("answered-while-held", false, true),
        entry("answered-as-member", false, null),
        entry("silent-while-held", null, true),
        entry("mounted", true, true));

    assertThat(MountReports.reportsOf(v)).containsExactlyInAnyOrderEntriesOf(Map.of(
        "answered-while-held", UNMOUNTED, "answered-as-member", UNKNOWN, "silent-while-held", UNKNOWN,
        "mounted", MOUNTED));
  }

  @Test
  void everyFormattedVolumeMustHaveTheNodesAnswer() {
    IscsiSharedVolume a = volume(true, entry("n2", false, true));
    IscsiSharedVolume b = volume(true, entry("n2", null, true));
    IscsiSharedVolume c = volume(true);

    assertThat(MountReports.of(List.of("n2"), List.of(a))).containsEntry("n2", UNMOUNTED);
    assertThat(MountReports.of(List.of("n2"), List.of(a, b))).as("b's poll got no answer").containsEntry("n2", UNKNOWN);
    assertThat(MountReports.of(List.of("n2"), List.of(a, c))).as("c has not polled n2 since it left")
        .containsEntry("n2", UNKNOWN);
  }

  @Test
  void aMountAnywhereWins() {
    IscsiSharedVolume a = volume(true, entry("n2", null, true));
    IscsiSharedVolume b = volume(true, entry("n2", true, true));

    assertThat(MountReports.of(List.of("n2"), List.of(a, b))).containsEntry("n2", MOUNTED);
  }

  @Test
  void aVolumeNeverFormattedWasNeverPublishedSoItCannotBeMounted() {
    IscsiSharedVolume unformatted = volume(false);

    assertThat(MountReports.of(List.of("n2"), List.of(unformatted))).containsEntry("n2", UNMOUNTED);
    assertThat(MountReports.of(List.of("n2"), List.of())).containsEntry("n2", UNMOUNTED);
  }
}
