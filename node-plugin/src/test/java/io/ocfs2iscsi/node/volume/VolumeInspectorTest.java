package io.ocfs2iscsi.node.volume;

import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_A;
import static io.ocfs2iscsi.node.testing.ReferenceHost.PORTAL_B;
import static io.ocfs2iscsi.node.testing.ReferenceHost.STAGING;
import static io.ocfs2iscsi.node.testing.ReferenceHost.TARGET_1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import static io.ocfs2iscsi.node.Fixtures.captured;

import io.ocfs2iscsi.agent.v1.VolumeSpec;
import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.EffectiveTimeouts;
import io.ocfs2iscsi.node.tools.MountEntry;
import io.ocfs2iscsi.node.tools.MountTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeInspectorTest {

  @TempDir Path root;
  ReferenceHost host;

  @BeforeEach
  void setUp() {
    host = new ReferenceHost(root).withClusterApplied();
  }

  private void stageAndPublish() {
    host.stager.stage(new Requests.Stage("mylun", STAGING, ReferenceHost.spec(), Map.of(), List.of()));
    host.publisher.publish(new Requests.Publish("mylun", STAGING, TARGET_1, false, List.of()));
  }

  @Test
  void healthyStagedVolume() {
    stageAndPublish();

    VolumeHealth h = host.inspector.health(ReferenceHost.spec());

    assertThat(h.problems()).isEmpty();
    // recovery_tmo: the spec's replacement timeout, which multipathd applied from the drop-in; the pings as
    // iscsid.conf has them (this spec sets none)
    EffectiveTimeouts.Session timeouts = new EffectiveTimeouts.Session(10, 5, 5);
    assertThat(h.sessions())
        .containsExactly(
            new VolumeHealth.Session(PORTAL_A, "LOGGED_IN", 1, timeouts, "default", ""),
            new VolumeHealth.Session(PORTAL_B, "LOGGED_IN", 2, timeouts, "default", ""));
    assertThat(h.queueIfNoPath()).isTrue();
    assertThat(h.noPathRetry()).isEqualTo("1");
    assertThat(h.paths()).hasSize(2).allMatch(p -> p.up());
    assertThat(h.mapPresent()).isTrue();
    assertThat(h.wwid()).isEqualTo(ReferenceHost.WWID);
    assertThat(h.staged()).isTrue();
    assertThat(h.mounted()).isTrue();
    assertThat(h.heartbeatActive()).isTrue();
    assertThat(h.publishCount()).isEqualTo(1);
    assertThat(h.recoveryTimeouts()).containsExactly(10, 10);
    assertThat(h.summary()).startsWith("2 of 2 paths up; session recovery timeout [10 s]");
  }

  @Test
  void aFailedPathIsAProblem() {
    stageAndPublish();
    host.secondPathFailed = true;

    VolumeHealth h = host.inspector.health(ReferenceHost.spec());

    assertThat(h.problems()).containsExactly("path sdd (4:0:0:0) is failed/faulty");
    assertThat(h.healthy()).isFalse();
  }

  @Test
  void aReadOnlyRemountIsReportedWithItsRemedy() {
    host.remountedReadOnly = true;
    stageAndPublish();

    VolumeHealth h = host.inspector.health(ReferenceHost.spec());

    assertThat(h.readOnly()).isTrue();
    assertThat(h.mounted()).isTrue();
    assertThat(h.problems()).containsExactly("the filesystem at " + STAGING + " went read-only (OCFS2 remounts it"
        + " read-only after I/O errors or a journal abort): check the SAN, then unmount and stage it again on this"
        + " node");
  }

  @Test
  void aReadWriteStagingIsNotReadOnly() {
    stageAndPublish();

    assertThat(host.inspector.health(ReferenceHost.spec()).readOnly()).isFalse();
  }

  @Test
  void aStagingMountedReadOnlyBecauseTheVolumeAsksForItDidNotGoReadOnly() {
    MountEntry ro = MountTable.parse(captured("host/proc-mounts-remounted-ro.txt")).entries().get(0);
    VolumeSpec asked = ReferenceHost.spec().toBuilder()
        .setFilesystem(ReferenceHost.spec().getFilesystem().toBuilder().addMountOptions("ro")).build();

    assertThat(VolumeInspector.wentReadOnly(Optional.of(ro), ReferenceHost.spec())).isTrue();
    assertThat(VolumeInspector.wentReadOnly(Optional.of(ro), asked)).isFalse();
    assertThat(VolumeInspector.wentReadOnly(Optional.empty(), ReferenceHost.spec())).isFalse();
  }

  @Test
  void aVolumeNotStagedHereReportsNoSessions() {
    VolumeHealth h = host.inspector.health(ReferenceHost.spec());

    assertThat(h.staged()).isFalse();
    assertThat(h.mapPresent()).isFalse();
    assertThat(h.sessions()).extracting(VolumeHealth.Session::state).containsExactly("NONE", "NONE");
  }

  @Test
  void statsPathMustBeAMountOfTheVolume() {
    stageAndPublish();

    assertThat(host.inspector.stagedAt("mylun", TARGET_1).volumeId()).isEqualTo("mylun");
    assertThatThrownBy(() -> host.inspector.stagedAt("mylun", "/var/lib/kubelet/nothing"))
        .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.NOT_FOUND));
    assertThatThrownBy(() -> host.inspector.stagedAt("nobody", TARGET_1))
        .isInstanceOfSatisfying(NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.NOT_FOUND));
  }
}
