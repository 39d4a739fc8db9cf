package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.contract.FormatDeadlines;
import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MkfsOcfs2Test {

  @Test
  void mkfsIsKilledBeforeTheOperatorsFormatLeaseLapses() {
    List<Command> ran = new ArrayList<>();
    MkfsOcfs2 mkfs = new MkfsOcfs2(c -> {
      ran.add(c);
      return new CommandResult(c, 0, captured("reference/mkfs-ocfs2.txt"), "");
    });

    mkfs.format(new MkfsOcfs2.Options("4K", "32K", 4, "ISCSI", "iscsi", ClusterStackKind.CLUSTER_STACK_O2CB), "/dev/mapper/mylun");

    assertThat(ran).singleElement().satisfies(c -> {
      assertThat(c.program()).isEqualTo("mkfs.ocfs2");
      // Once the operator's Lease lapses another operator instance may format the LUN from another node, so mkfs on
      // this node must have ended (or been killed) before, and before the call that started it gave up.
      assertThat(c.timeout()).isLessThan(FormatDeadlines.FORMAT_CALL_DEADLINE)
          .isLessThan(FormatDeadlines.FORMAT_LEASE).isGreaterThanOrEqualTo(Duration.ofMinutes(5));
    });
  }
}
