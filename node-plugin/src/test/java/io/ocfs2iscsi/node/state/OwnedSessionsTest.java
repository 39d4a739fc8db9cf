package io.ocfs2iscsi.node.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.NodeException;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import io.ocfs2iscsi.node.tools.Portal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OwnedSessionsTest {

  private static final Portal A = Portal.parse(ReferenceHost.PORTAL_A);
  private static final Portal V6 = Portal.parse("[fd00::1]:3260");

  @TempDir Path dir;

  @Test
  void theRecordIsReadBackAsWrittenAndAnEmptyOneLeavesNoFile() throws Exception {
    StateStore store = new StateStore(dir);
    assertThat(store.ownedSessions(ReferenceHost.IQN).portals()).isEmpty();

    store.saveOwnedSessions(OwnedSessions.none(ReferenceHost.IQN).with(List.of(A, V6)));

    Path file = dir.resolve("targets/" + ReferenceHost.IQN + ".properties");
    assertThat(Files.readString(file)).contains("portals=192.168.0.180\\:3260,[fd00\\:\\:1]\\:3260");
    assertThat(store.ownedSessions(ReferenceHost.IQN).portals()).containsExactlyInAnyOrder(A, V6);

    store.saveOwnedSessions(store.ownedSessions(ReferenceHost.IQN).without(List.of(A, V6)));

    assertThat(file).doesNotExist();
  }

  @Test
  void anUnchangedRecordIsNotWrittenAgain() throws Exception {
    StateStore store = new StateStore(dir);
    store.saveOwnedSessions(OwnedSessions.none(ReferenceHost.IQN).with(List.of(A)));
    Path file = dir.resolve("targets/" + ReferenceHost.IQN + ".properties");
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(file, old);

    store.saveOwnedSessions(store.ownedSessions(ReferenceHost.IQN).with(List.of(A)));

    assertThat(Files.getLastModifiedTime(file)).isEqualTo(old);
  }

  @Test
  void aTargetNameThatIsNoIscsiNameNeverBecomesAPath() {
    StateStore store = new StateStore(dir);

    assertThatThrownBy(() -> store.ownedSessions("iqn.2020-01.x:../../etc"))
        .isInstanceOfSatisfying(
            NodeException.class, e -> assertThat(e.code()).isEqualTo(NodeException.Code.INVALID_ARGUMENT));
  }
}
