package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.operator.api.v1alpha1.FormattedStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class VolumeStacksTest {

  private static IscsiSharedVolume volume(String name, FormattedStatus formatted) {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getMetadata().setName(name);
    IscsiSharedVolumeStatus s = new IscsiSharedVolumeStatus();
    s.setFormatted(formatted);
    v.setStatus(s);
    return v;
  }

  private static FormattedStatus formattedFor(String stack) {
    FormattedStatus f = new FormattedStatus("u", "n1", "2026-12-02T00:00:00Z", false);
    f.setClusterStack(stack);
    return f;
  }

  private static Ocfs2ClusterSpec spec(Ocfs2ClusterSpec.Stack stack) {
    Ocfs2ClusterSpec s = ExampleResources.cluster().getSpec();
    s.setStack(stack);
    return s;
  }

  @Test
  void anUnformattedVolumeTakesTheClustersStackAFormattedOneKeepsWhatItRecorded() {
    assertThat(VolumeStacks.of(volume("a", null), spec(Ocfs2ClusterSpec.Stack.USER)))
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    assertThat(VolumeStacks.of(volume("a", formattedFor("user")), spec(Ocfs2ClusterSpec.Stack.O2CB)))
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
  }

  @Test
  void aVolumeFormattedBeforeStacksWereRecordedIsO2cb() {
    FormattedStatus old = new FormattedStatus("u", "n1", "2026-01-01T00:00:00Z", false);

    assertThat(VolumeStacks.of(volume("old", old), spec(Ocfs2ClusterSpec.Stack.USER)))
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_O2CB);
  }

  @Test
  void changingTheStackIsRefusedNamingTheFieldTheVolumesAndTheWayOut() {
    List<IscsiSharedVolume> ofCluster = List.of(
        volume("data", formattedFor("o2cb")), volume("logs", null), volume("old", new FormattedStatus()),
        volume("mail", formattedFor("user")));

    assertThat(VolumeStacks.changeRefusal(spec(Ocfs2ClusterSpec.Stack.USER), ofCluster)).hasValueSatisfying(m ->
        assertThat(m).startsWith("spec.stack: cannot change to user while volumes [data, old] are formatted for"
                + " o2cb")
            .contains("o2cluster -u"));
    assertThat(VolumeStacks.changeRefusal(spec(Ocfs2ClusterSpec.Stack.O2CB), ofCluster)).hasValueSatisfying(m ->
        assertThat(m).contains("[mail] are formatted for user"));
  }

  @Test
  void noRefusalWhenEveryFormattedVolumeHasTheClustersStack() {
    List<IscsiSharedVolume> ofCluster = List.of(volume("data", formattedFor("user")), volume("logs", null));

    assertThat(VolumeStacks.changeRefusal(spec(Ocfs2ClusterSpec.Stack.USER), ofCluster)).isEmpty();
  }
}
