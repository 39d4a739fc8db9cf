package io.ocfs2iscsi.node.tools;

import static io.ocfs2iscsi.node.Fixtures.captured;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ocfs2iscsi.node.testing.FakeCommandRunner;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mpathpersist, replaying outputs captured in the real-kernel guests against tgtd (captured/e2e/user-stack). */
class MpathpersistTest {

  private static final String DIR = "e2e/user-stack/";

  FakeCommandRunner fake = new FakeCommandRunner();
  Mpathpersist pr = new Mpathpersist(fake);

  static ReservationKey key(long v) {
    return new ReservationKey(v);
  }

  @Test
  void keysOfTwoNodesOnTwoPathsEach() {
    fake.on("mpathpersist", "-i", "-k", "/dev/mapper/otherlun").reply(0, captured(DIR + "mpathpersist-i-k.txt"), "");

    assertThat(pr.keys("otherlun")).containsExactly(key(1), key(1), key(2), key(2));
  }

  @Test
  void noKeysAndThePreemptedNodesKeyGone() {
    assertThat(Mpathpersist.parseKeys(captured(DIR + "mpathpersist-i-k-none.txt"))).isEmpty();
    assertThat(Mpathpersist.parseKeys(captured(DIR + "mpathpersist-i-k-after-clear.txt"))).isEmpty();
    assertThat(Mpathpersist.parseKeys(captured(DIR + "mpathpersist-i-k-after-preempt.txt")))
        .doesNotContain(key(2)).contains(key(1));
  }

  @Test
  void theReservationHeldByNode1() {
    Mpathpersist.Reservation r =
        Mpathpersist.parseReservation(captured(DIR + "mpathpersist-i-r.txt")).orElseThrow();

    assertThat(r.holder()).isEqualTo(key(1));
    assertThat(r.registrantsOnly()).isTrue();
  }

  @Test
  void noReservationHeldAfterAClear() {
    assertThat(Mpathpersist.parseReservation(captured(DIR + "mpathpersist-i-r-none.txt"))).isEmpty();
    assertThat(Mpathpersist.parseKeys(captured(DIR + "mpathpersist-i-k-none-after-clear-mounted.txt"))).isEmpty();
  }

  @Test
  void outputOfAnotherShapeIsAnErrorNotAnEmptyAnswer() {
    assertThatThrownBy(() -> Mpathpersist.parseKeys("mpathpersist: command not supported\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Mpathpersist.parseReservation("  PR generation=0x4, Reservation follows:\n"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void registerAndReserveGoToTheMapWithTheKeyInHex() {
    fake.on("mpathpersist", "--out", "--register-ignore", "--param-sark=0xe736e55600000002", "/dev/mapper/otherlun")
        .reply(0, captured(DIR + "mpathpersist-register-ignore-node2.txt"), "");
    fake.on("mpathpersist", "--out", "--reserve", "--param-rk=0xe736e55600000002", "--prout-type=5",
        "/dev/mapper/otherlun").reply(0, captured(DIR + "mpathpersist-reserve-type5.txt"), "");

    pr.registerIgnore("otherlun", ReservationKey.of("iscsi", 2));
    assertThat(pr.reserve("otherlun", ReservationKey.of("iscsi", 2)).ok()).isTrue();
    assertThat(fake.calls()).hasSize(2);
  }

  @Test
  void aMalformedAliasNeverReachesTheCommandLine() {
    assertThatThrownBy(() -> pr.keys("../sda")).hasMessageContaining("multipath alias '../sda'");
    assertThat(fake.calls()).isEqualTo(List.of());
  }
}
