package io.ocfs2iscsi.node.tools;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.HostMode;
import io.ocfs2iscsi.node.host.ProcessCommandRunner;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.testing.SaturatedCommonPool;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** blkid itself (util-linux), on image files made with the real mkfs: what a node probes before formatting. */
class BlkidTest {

  private final ProcessCommandRunner runner = new ProcessCommandRunner(HostMode.DIRECT, new SecretRedactor());

  @Test
  void anExt4ImageIsExt4WhileTheCommonPoolIsBusy(@TempDir Path dir) throws IOException {
    String image = ext4Image(dir);

    BlkidProbe probe;
    try (SaturatedCommonPool busy = new SaturatedCommonPool()) {
      probe = new Blkid(runner).probe(image);
    }

    assertThat(probe.blank()).as("an ext4 filesystem taken as blank").isFalse();
    assertThat(probe.type()).contains("ext4");
    assertThat(probe.label()).contains("DATA");
  }

  private String ext4Image(Path dir) throws IOException {
    Path image = dir.resolve("ext4.img");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(8L << 20);
    }
    CommandResult mkfs = runner.run(Command.of("mkfs.ext4", "-q", "-F", "-L", "DATA", image.toString()));
    assertThat(mkfs.exitCode()).as(mkfs.complaint()).isZero();
    return image.toString();
  }
}
