package io.ocfs2iscsi.e2e.kernel;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * SafetyScenariosTest's o2cb SAN outage on the user stack (see {@link UserStackSanOutageScenario}): node1 writing,
 * then node1 only mounting. Not in CI: its own test bed (about 7 minutes), and a path of the surviving node that
 * fails and comes back during the outage can get that node a reservation conflict (measured once), which this test
 * then reports as a failure. {@code mvn -B -ntp -Pe2e -pl e2e/kernel -am test -Dtest=UserStackSanOutageBenchmark
 * -Dsurefire.excludedGroups=harness -Dsurefire.failIfNoSpecifiedTests=false}; the numbers go to the
 * {@code user_stack_san_outage} section of e2e/target/e2e-report.json.
 */
@Tag("benchmark")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 15, unit = TimeUnit.MINUTES)
class UserStackSanOutageBenchmark {

  final Report report = Report.shared();
  PluginBed bed;
  UserStackFencingScenario stack;
  UserStackSanOutageScenario outage;

  @BeforeAll
  void start() {
    bed = PluginBed.start("512M");
    stack = new UserStackFencingScenario(bed, new Kubelet(bed), report, ReferenceVolume.volume2(), "outage-1");
    stack.bringUp();
    outage = new UserStackSanOutageScenario(bed, report, stack);
  }

  @AfterAll
  void stop() {
    try {
      Path file = report.write(Report.defaultPath());
      System.out.println("e2e report " + file + ", section " + UserStackSanOutageScenario.S + ":\n"
          + report.section(UserStackSanOutageScenario.S));
    } finally {
      if (bed != null) {
        bed.close();
      }
    }
  }

  @Test
  @Order(1)
  void aSanOutageLongerThanTheQueueingPanicsTheWritingNodeAndTheOtherFencesIt() throws Exception {
    outage.outage();
  }

  @Test
  @Order(2)
  void aSanOutageOfANodeThatOnlyMounts() throws Exception {
    outage.outageOfAnIdleNode();
  }
}
