package io.ocfs2iscsi.node.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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

  static final Clock NOON = Clock.fixed(Instant.parse("2024-05-06T12:00:00.250Z"), ZoneOffset.UTC);

  /** Records, at each fsync, what the volume file holds at that moment. */
  static final class RecordingSync implements StateStore.Sync {
    final List<String> events = new ArrayList<>();
    final Path target;
    final byte[] content;

    RecordingSync(Path target, byte[] content) {
      this.target = target;
      this.content = content;
    }

    @Override
    public void file(FileChannel written) throws IOException {
      events.add("file of " + written.size() + " bytes synced, target " + state());
    }

    @Override
    public void directory(Path d) throws IOException {
      events.add("directory " + d.getFileName() + " synced, target " + state());
    }

    private String state() throws IOException {
      return Files.exists(target) && java.util.Arrays.equals(Files.readAllBytes(target), content) ? "replaced"
          : "not yet replaced";
    }
  }

  @Test
  void aWriteSyncsTheNewFileBeforeTheRenameAndTheDirectoryAfterIt() throws Exception {
    Files.createDirectories(dir.resolve("volumes"));
    StagedVolume v = staged();
    byte[] content = StateStore.volumeFileContent(v);
    RecordingSync sync = new RecordingSync(dir.resolve("volumes/mylun.properties"), content);

    new StateStore(dir, NOON, sync).save(v);

    assertThat(sync.events).containsExactly(
        "file of " + content.length + " bytes synced, target not yet replaced",
        "directory volumes synced, target replaced");
  }

  @Test
  void aSuccessfulWriteLeavesNoTempFile() throws Exception {
    StateStore store = new StateStore(dir);
    store.save(staged());
    store.save(staged().withoutPublish("/var/lib/kubelet/pods/p1/mount"));

    try (Stream<Path> files = Files.list(dir.resolve("volumes"))) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("mylun.properties");
    }
  }

  @Test
  void aTempFileLeftByAnInterruptedWriteDoesNotShadowTheRecord() throws Exception {
    StateStore store = new StateStore(dir);
    StagedVolume v = staged();
    store.save(v);
    Path leftover = dir.resolve("volumes/.mylun.properties.tmp");
    Files.writeString(leftover, "volumeId=mylun\nphase=STAG");

    assertThat(store.volume("mylun")).contains(v);
    assertThat(store.volumes()).containsExactly(v);

    StagedVolume changed = v.withoutPublish("/var/lib/kubelet/pods/p1/mount");
    store.save(changed);
    assertThat(new StateStore(dir).volume("mylun")).contains(changed);
    assertThat(leftover).doesNotExist();
  }

  @Test
  void aCorruptRecordIsQuarantinedAndOnlyItsVolumeFails() throws Exception {
    StateStore store = new StateStore(dir, NOON, StateStore.Sync.KERNEL);
    store.save(staged());
    Path corrupt = dir.resolve("volumes/vol-a.properties");
    Files.writeString(corrupt, "volumeId=vol-a\nphase=STAGED\nspec.lun=\\u00zz\n");

    assertThat(store.volumes()).extracting(StagedVolume::volumeId).containsExactly("mylun");
    Path quarantined = dir.resolve("volumes/vol-a.properties.corrupt-20240506T120000.250Z");
    assertThat(quarantined).hasContent("volumeId=vol-a\nphase=STAGED\nspec.lun=\\u00zz\n");
    assertThat(corrupt).doesNotExist();
    for (int attempt = 0; attempt < 2; attempt++) {
      assertThatThrownBy(() -> store.volume("vol-a"))
          .isInstanceOfSatisfying(NodeException.class,
              e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
          .hasMessageContaining(quarantined.toString());
    }
    assertThat(store.quarantined()).containsExactly("vol-a");
    assertThat(store.volume("mylun")).contains(staged());
  }

  @Test
  void anEmptyRecordAsACrashBeforeSyncLeavesItIsQuarantinedOnFirstRead() throws Exception {
    StateStore store = new StateStore(dir, NOON, StateStore.Sync.KERNEL);
    Files.createDirectories(dir.resolve("volumes"));
    Files.writeString(dir.resolve("volumes/vol-a.properties"), "");

    assertThatThrownBy(() -> store.volume("vol-a"))
        .isInstanceOfSatisfying(NodeException.class,
            e -> assertThat(e.code()).isEqualTo(NodeException.Code.FAILED_PRECONDITION))
        .hasMessageContaining("vol-a.properties.corrupt-20240506T120000.250Z");
    assertThat(store.volumes()).isEmpty();
  }

  @Test
  void aCorruptClusterFileIsQuarantinedAndReadsAsNotApplied() throws Exception {
    StateStore store = new StateStore(dir, NOON, StateStore.Sync.KERNEL);
    Files.write(dir.resolve("cluster.pb"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01});

    assertThat(store.cluster()).isEmpty();
    assertThat(dir.resolve("cluster.pb.corrupt-20240506T120000.250Z")).exists();

    store.saveCluster(ReferenceHost.clusterRequest());
    assertThat(store.cluster()).contains(ReferenceHost.clusterRequest());
  }
}
