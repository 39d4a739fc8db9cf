package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

/** multipathd resize map and tunefs.ocfs2 -S against their outputs on a real kernel (captured/e2e-growth). */
class GrowthToolsTest {

  @Test
  void multipathdsOkIsAResizeAndItsFailIsNot() {
    assertThat(Multipath.resized(captured("e2e-growth/multipathd-resize-map.txt"))).isTrue();
    assertThat(Multipath.resized("fail\n")).isFalse();
    assertThat(Multipath.resized("")).isFalse();
  }

  @Test
  void aFailAnsweredWithExitZeroStillFailsTheResize() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("multipathd", "resize", "map", "mylun").reply(Reply.ok("fail\n"));

    assertThatThrownBy(() -> new Multipath(fake).resizeMap("mylun")).isInstanceOf(ToolFailure.class)
        .hasMessageContaining("resizing multipath map mylun");
  }

  @Test
  void theResizedMapShowsTheNewSize() {
    List<MultipathMap> maps = Multipath.parse(captured("e2e-growth/multipath-ll-mylun-grown.txt"));

    assertThat(maps).singleElement().satisfies(m -> {
      assertThat(m.name()).isEqualTo("mylun");
      assertThat(m.dmDevice()).isEqualTo("dm-0");
      assertThat(m.size()).isEqualTo("3.0G");
      assertThat(m.paths()).hasSize(2).allMatch(MultipathPath::up);
    });
  }

  @Test
  void tunefsGrowsTheMapItIsGivenWithAnArgumentVector() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("tunefs.ocfs2", "-S", "/dev/mapper/mylun")
        .reply(Reply.ok(captured("e2e-growth/tunefs-ocfs2-S-same-size.txt")));

    new TunefsOcfs2(fake).growToDevice("/dev/mapper/mylun");

    assertThat(fake.argvs()).containsExactly(List.of("tunefs.ocfs2", "-S", "/dev/mapper/mylun"));
    fake.on("tunefs.ocfs2", "-S", "/dev/mapper/mylun")
        .reply(Reply.fail(1, ""));
    assertThatThrownBy(() -> new TunefsOcfs2(fake).growToDevice("/dev/mapper/mylun"))
        .isInstanceOf(ToolFailure.class).hasMessageContaining("growing the OCFS2 filesystem on /dev/mapper/mylun");
  }
}
