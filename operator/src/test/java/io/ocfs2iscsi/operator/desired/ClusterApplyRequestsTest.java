package io.ocfs2iscsi.operator.desired;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.UserStackSpec;
import io.ocfs2iscsi.operator.desired.ClusterApplyRequests.Member;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ClusterApplyRequestsTest {

  private static final Member DRBD01 = new Member("drbd01", 0, "10.10.1.11");
  private static final Member DRBD02 = new Member("drbd02", 1, "10.10.1.12");
  private static final Member DRBD03 = new Member("drbd03", 2, "10.10.1.13");

  private static Ocfs2ClusterSpec spec() {
    return ExampleResources.cluster().getSpec();
  }

  private static String revision(Ocfs2ClusterSpec spec, List<Member> members) {
    return ClusterApplyRequests.of(spec, members).getRevision();
  }

  @Test
  void theRequestCarriesTheReferenceClusterSortedByNumber() {
    ApplyClusterRequest r = ClusterApplyRequests.of(spec(), List.of(DRBD03, DRBD01, DRBD02));

    assertThat(r.getClusterName()).isEqualTo("iscsi");
    assertThat(r.getPort()).isEqualTo(7777);
    assertThat(r.getTimeouts().getHeartbeatDeadThreshold()).isEqualTo(17);
    assertThat(r.getTimeouts().getIdleTimeoutMs()).isEqualTo(30000);
    assertThat(r.getTimeouts().getKeepaliveDelayMs()).isEqualTo(2000);
    assertThat(r.getTimeouts().getReconnectDelayMs()).isEqualTo(2000);
    assertThat(r.getMembersList()).extracting(ClusterMember::getNodeName, ClusterMember::getNumber,
            ClusterMember::getAddress)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("drbd01", 0, "10.10.1.11"),
            org.assertj.core.groups.Tuple.tuple("drbd02", 1, "10.10.1.12"),
            org.assertj.core.groups.Tuple.tuple("drbd03", 2, "10.10.1.13"));
    assertThat(r.getRevision()).matches("[0-9a-f]{16}");
  }

  @Test
  void theCorosyncAuthkeyGoesWithTheUserStacksRequestAndChangesItsRevision() {
    Ocfs2ClusterSpec user = spec();
    user.setStack(Ocfs2ClusterSpec.Stack.USER);
    ApplyClusterRequest plain = ClusterApplyRequests.of(user, List.of(DRBD01, DRBD02));
    byte[] key = "k".repeat(128).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    byte[] other = "j".repeat(128).getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    ApplyClusterRequest keyed = ClusterApplyRequests.withCorosyncAuthKey(plain, key);

    assertThat(plain.getCorosyncAuthkey().isEmpty()).isTrue();
    assertThat(keyed.getCorosyncAuthkey().toByteArray()).isEqualTo(key);
    assertThat(keyed.toBuilder().clearCorosyncAuthkey().clearRevision().build())
        .isEqualTo(plain.toBuilder().clearRevision().build());
    assertThat(keyed.getRevision()).isNotEqualTo(plain.getRevision())
        .isEqualTo(ClusterApplyRequests.withCorosyncAuthKey(plain, key).getRevision())
        .isNotEqualTo(ClusterApplyRequests.withCorosyncAuthKey(plain, other).getRevision());
  }

  @Test
  void theRevisionIsStableAndIndependentOfListOrder() {
    String a = revision(spec(), List.of(DRBD01, DRBD02, DRBD03));

    assertThat(revision(spec(), List.of(DRBD01, DRBD02, DRBD03))).isEqualTo(a);
    assertThat(revision(spec(), List.of(DRBD03, DRBD02, DRBD01))).isEqualTo(a);
    assertThat(ClusterApplyRequests.of(spec(), List.of(DRBD02, DRBD03, DRBD01)))
        .isEqualTo(ClusterApplyRequests.of(spec(), List.of(DRBD01, DRBD02, DRBD03)));
  }

  @Test
  void theRevisionChangesWithTheMemberList() {
    String two = revision(spec(), List.of(DRBD01, DRBD02));

    assertThat(revision(spec(), List.of(DRBD01, DRBD02, DRBD03))).isNotEqualTo(two); // a node joins
    assertThat(revision(spec(), List.of(DRBD01))).isNotEqualTo(two); // a node leaves
    assertThat(revision(spec(), List.of(DRBD01, new Member("drbd02", 1, "10.10.1.99")))).isNotEqualTo(two);
    assertThat(revision(spec(), List.of(DRBD01, new Member("drbd02", 5, "10.10.1.12")))).isNotEqualTo(two);
    assertThat(revision(spec(), List.of(DRBD01, new Member("drbd02.example", 1, "10.10.1.12"))))
        .isNotEqualTo(two);
  }

  @Test
  void theRevisionChangesWithEverySettingWrittenToTheNodes() {
    List<Member> members = List.of(DRBD01, DRBD02);
    String base = revision(spec(), members);
    List<Consumer<Ocfs2ClusterSpec>> changes = List.of(
        s -> s.setClusterName("other"),
        s -> s.setPort(7778),
        s -> s.getHeartbeat().setDeadThreshold(61),
        s -> s.getNetwork().setIdleTimeoutMs(60000),
        s -> s.getNetwork().setKeepaliveDelayMs(3000),
        s -> s.getNetwork().setReconnectDelayMs(3000));

    for (Consumer<Ocfs2ClusterSpec> change : changes) {
      Ocfs2ClusterSpec s = spec();
      change.accept(s);
      assertThat(revision(s, members)).isNotEqualTo(base);
    }
  }

  @Test
  void settingsThatNoNodeSeesDoNotChangeTheRevision() {
    List<Member> members = List.of(DRBD01, DRBD02);
    String base = revision(spec(), members);
    Ocfs2ClusterSpec s = spec();
    s.setNodeSelector(java.util.Map.of("other", "label"));
    s.setAddressCidr("10.20.0.0/16");

    assertThat(revision(s, members)).isEqualTo(base);
  }

  @Test
  void anO2cbClusterKeepsTheRevisionItHadBeforeTheUserStackExisted() {
    // The revision members applied under an older operator: an upgrade must not make every node apply again.
    assertThat(revision(spec(), List.of(DRBD01, DRBD02))).isEqualTo("f0406b8594878eb2");
    assertThat(ClusterApplyRequests.of(spec(), List.of(DRBD01)).getStack())
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_O2CB);
  }

  @Test
  void theUserStackCarriesTheStackTheTokenAndFencingAndNoO2cbSettings() {
    Ocfs2ClusterSpec s = spec();
    s.setStack(Ocfs2ClusterSpec.Stack.USER);
    s.getUserStack().setTokenMs(5000);
    s.getUserStack().setFencing(UserStackSpec.Fencing.Disabled);

    ApplyClusterRequest r = ClusterApplyRequests.of(s, List.of(DRBD02, DRBD01));

    assertThat(r.getStack()).isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    assertThat(r.getCorosyncTokenMs()).isEqualTo(5000);
    assertThat(r.getDlmFencing()).isEqualTo(DlmFencing.DLM_FENCING_DISABLED);
    assertThat(r.getMembersList()).extracting(ClusterMember::getNumber).containsExactly(0, 1);
    assertThat(r.getPort()).isZero();
    assertThat(r.hasTimeouts()).isFalse();
  }

  @Test
  void eachFencingOfTheSpecReachesTheNodesAndPersistentReservationIsTheDefault() {
    Ocfs2ClusterSpec s = spec();
    s.setStack(Ocfs2ClusterSpec.Stack.USER);
    assertThat(ClusterApplyRequests.of(s, List.of(DRBD01)).getDlmFencing())
        .isEqualTo(DlmFencing.DLM_FENCING_PERSISTENT_RESERVATION);
    s.getUserStack().setFencing(UserStackSpec.Fencing.WaitForRejoin);
    assertThat(ClusterApplyRequests.of(s, List.of(DRBD01)).getDlmFencing())
        .isEqualTo(DlmFencing.DLM_FENCING_WAIT_FOR_REJOIN);
  }

  @Test
  void onTheUserStackTheRevisionFollowsItsSettingsAndNotTheO2cbOnes() {
    List<Member> members = List.of(DRBD01, DRBD02);
    Ocfs2ClusterSpec user = spec();
    user.setStack(Ocfs2ClusterSpec.Stack.USER);
    String base = revision(user, members);
    assertThat(base).isNotEqualTo(revision(spec(), members));

    List<Consumer<Ocfs2ClusterSpec>> seen = List.of(
        s -> s.getUserStack().setTokenMs(10000),
        s -> s.getUserStack().setFencing(UserStackSpec.Fencing.Disabled),
        s -> s.getUserStack().setFencing(UserStackSpec.Fencing.WaitForRejoin));
    for (Consumer<Ocfs2ClusterSpec> change : seen) {
      Ocfs2ClusterSpec s = spec();
      s.setStack(Ocfs2ClusterSpec.Stack.USER);
      change.accept(s);
      assertThat(revision(s, members)).isNotEqualTo(base);
    }
    Ocfs2ClusterSpec o2cbOnly = spec();
    o2cbOnly.setStack(Ocfs2ClusterSpec.Stack.USER);
    o2cbOnly.setPort(7778);
    o2cbOnly.getHeartbeat().setDeadThreshold(61);
    assertThat(revision(o2cbOnly, members)).isEqualTo(base);
  }
}
