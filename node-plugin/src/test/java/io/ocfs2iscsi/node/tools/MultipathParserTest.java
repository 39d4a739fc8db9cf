package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import java.util.List;
import org.junit.jupiter.api.Test;

class MultipathParserTest {

  @Test
  void healthyMapOfTheReference() {
    List<MultipathMap> maps = Multipath.parse(captured("reference/multipath-ll-healthy.txt"));

    assertThat(maps).hasSize(1);
    MultipathMap m = maps.get(0);
    assertThat(m.name()).isEqualTo("mylun");
    assertThat(m.wwid()).isEqualTo("23238363932313833");
    assertThat(m.dmDevice()).isEqualTo("dm-0");
    assertThat(m.vendor()).isEqualTo("SCST_FIO");
    assertThat(m.product()).isEqualTo("VDISK-LUN01");
    assertThat(m.size()).isEqualTo("20G");
    assertThat(m.queueing()).isTrue();
    assertThat(m.paths())
        .containsExactly(
            new MultipathPath("3:0:0:0", "sdc", "8:32", "active", "ready", "running"),
            new MultipathPath("4:0:0:0", "sdd", "8:48", "active", "ready", "running"));
    assertThat(m.pathsUp()).isEqualTo(2);
  }

  @Test
  void multipathdShowTopologyOfARealGuestHasTheLayoutOfMultipathLl() {
    MultipathMap m = Multipath.parse(captured("e2e/multipathd-show-topology.txt")).stream()
        .filter(x -> x.name().equals("mylun")).findFirst().orElseThrow();
    assertThat(m.wwid()).isEqualTo("360000000000000000e00000000010001");
    assertThat(m.paths()).hasSize(2).allMatch(MultipathPath::up);
  }

  @Test
  void multipathdShowTopologyOfARealGuestWithACutLink() {
    MultipathMap m = Multipath.parse(captured("e2e/multipathd-show-topology-path-failed.txt")).stream()
        .filter(x -> x.name().equals("mylun")).findFirst().orElseThrow();
    assertThat(m.paths()).hasSize(2);
    assertThat(m.paths().stream().filter(MultipathPath::up)).hasSize(1);
  }

  @Test
  void healthReadsAskMultipathdAndFallBackToMultipathLlWhenItDoesNotAnswer() {
    FakeCommandRunner fake = new FakeCommandRunner();
    fake.on("multipathd", "show", "topology").reply(Reply.ok(captured("e2e/multipathd-show-topology-path-failed.txt")));
    Multipath multipath = new Multipath(fake);
    assertThat(multipath.mapAsDaemonSees("mylun").orElseThrow().paths().stream().filter(MultipathPath::up)).hasSize(1);
    assertThat(multipath.mapAsDaemonSees("other")).isEmpty();
    assertThat(fake.calls()).containsOnly("multipathd show topology");

    FakeCommandRunner noDaemon = new FakeCommandRunner();
    noDaemon.on("multipathd", "show", "topology").reply(Reply.fail(1, "ux_socket_connect: Connection refused\n"));
    noDaemon.on("multipath", "-ll", "mylun").reply(Reply.ok(captured("reference/multipath-ll-healthy.txt")));
    assertThat(new Multipath(noDaemon).mapAsDaemonSees("mylun").orElseThrow().paths()).hasSize(2);
    assertThat(noDaemon.calls()).containsExactly("multipathd show topology", "multipath -ll mylun");
  }

  @Test
  void onePathFailed() {
    MultipathMap m = Multipath.parse(captured("reference/multipath-ll-one-path-failed.txt")).get(0);

    assertThat(m.paths()).extracting(MultipathPath::device).containsExactly("sdc", "sdd");
    assertThat(m.paths().get(1).dmState()).isEqualTo("failed");
    assertThat(m.paths().get(1).checkerState()).isEqualTo("faulty");
    assertThat(m.paths().get(1).up()).isFalse();
    assertThat(m.pathsUp()).isEqualTo(1);
  }

  @Test
  void pathBackButNotCheckedYetIsNotUp() {
    MultipathMap m = Multipath.parse(captured("reference/multipath-ll-path-back.txt")).get(0);

    assertThat(m.paths().get(1).dmState()).isEqualTo("active");
    assertThat(m.paths().get(1).checkerState()).isEqualTo("undef");
    assertThat(m.pathsUp()).isEqualTo(1);
  }

  @Test
  void createOutputWithLogLinesOfMultipathV2() {
    List<MultipathMap> maps = Multipath.parse(captured("reference/multipath-v2-create.txt"));

    assertThat(maps).hasSize(1);
    assertThat(maps.get(0).name()).isEqualTo("mylun");
    assertThat(maps.get(0).dmDevice()).isEqualTo("undef");
    assertThat(maps.get(0).queueing()).isFalse();
    assertThat(maps.get(0).paths()).hasSize(2);
  }

  @Test
  void mapWithoutAliasAndCheckerStateWithSpaceAndTwoGroups() {
    String out =
        """
        360000000000000000e00000000010001 dm-3 IET,VIRTUAL-DISK
        size=2.0G features='0' hwhandler='1 alua' wp=rw
        |-+- policy='service-time 0' prio=50 status=active
        | `- 5:0:0:1 sde 8:64 active i/o pending running
        `-+- policy='service-time 0' prio=10 status=enabled
          `- 6:0:0:1 sdf 8:80 failed faulty offline
        """;

    MultipathMap m = Multipath.parse(out).get(0);

    assertThat(m.name()).isEqualTo("360000000000000000e00000000010001");
    assertThat(m.wwid()).isEqualTo(m.name());
    assertThat(m.paths())
        .containsExactly(
            new MultipathPath("5:0:0:1", "sde", "8:64", "active", "i/o pending", "running"),
            new MultipathPath("6:0:0:1", "sdf", "8:80", "failed", "faulty", "offline"));
  }

  @Test
  void noMapIsAnEmptyList() {
    assertThat(Multipath.parse("")).isEmpty();
  }

  @Test
  void wwidsFile() {
    String file = "# Multipath wwids, Version : 1.0\n/23238363932313833/\n";
    assertThat(Multipath.wwidsFileLists(file, "23238363932313833")).isTrue();
    assertThat(Multipath.wwidsFileLists(file, "2323836393231383")).isFalse();
  }
}
