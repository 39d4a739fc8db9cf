package io.ocfs2iscsi.node.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateStoreTest {

  @TempDir Path dir;

  StagedVolume staged() {
    return StagedVolume.staging(ReferenceHost.spec(), "/var/lib/kubelet/plugins/x/globalmount")
        .withLun("360000000000000000e00000000010001", Map.of("sdb", "360000000000000000e00000000010001",
            "sda", "360000000000000000e00000000010001"))
        .withPublish("/var/lib/kubelet/pods/p2/mount", false)
        .withPublish("/var/lib/kubelet/pods/p1/mount", true)
        .withPhase(StagedVolume.Phase.STAGED);
  }

  @Test
  void aRecordIsWrittenWithoutADateInKeyOrderAndReadBackEqual() throws Exception {
    StateStore store = new StateStore(dir);
    StagedVolume v = staged();
    store.save(v);
    Path f = dir.resolve("volumes/" + v.volumeId() + ".properties");
    String text = Files.readString(f, StandardCharsets.UTF_8);
    assertThat(text.lines().filter(l -> l.startsWith("#")))
        .containsExactly("# csi.ocfs2iscsi.io node plugin: volume staged on this node");
    assertThat(text.lines().filter(l -> !l.startsWith("#")).toList()).isSorted();
    assertThat(store.volume(v.volumeId())).contains(v);
    assertThat(StateStore.volumeFileContent(v)).isEqualTo(StateStore.volumeFileContent(staged()));
  }

  @Test
  void savingAnUnchangedRecordLeavesTheFileUntouched() throws Exception {
    StateStore store = new StateStore(dir);
    StagedVolume v = staged();
    store.save(v);
    Path f = dir.resolve("volumes/" + v.volumeId() + ".properties");
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(f, old);

    store.save(staged());
    assertThat(Files.getLastModifiedTime(f)).as("same record: not written again").isEqualTo(old);

    store.save(v.withoutPublish("/var/lib/kubelet/pods/p1/mount"));
    assertThat(Files.getLastModifiedTime(f)).as("changed record: written").isNotEqualTo(old);
    assertThat(store.volume(v.volumeId()).orElseThrow().publishes()).containsOnlyKeys("/var/lib/kubelet/pods/p2/mount");
  }
}
