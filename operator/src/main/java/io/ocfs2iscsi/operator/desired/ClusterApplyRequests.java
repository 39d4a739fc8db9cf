package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.contract.Sha256;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterMember;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.agent.v1.DlmFencing;
import io.ocfs2iscsi.agent.v1.O2cbTimeouts;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.UserStackSpec;
import java.util.Comparator;
import java.util.List;

/**
 * The full cluster every member gets: on o2cb what goes to cluster.conf and the timeouts, on the user stack what
 * goes to corosync.conf and dlm.conf (the same members and numbers). Its revision is a digest of all of it, so a
 * member that applied revision R has exactly this configuration, and an unchanged list is not sent again. Settings
 * of the stack not in use are left out of the request, so they do not change the revision.
 */
public final class ClusterApplyRequests {

  private ClusterApplyRequests() {}

  /** A member as cluster.conf lists it. */
  public record Member(String o2cbNodeName, int number, String address) {}

  public static ApplyClusterRequest of(Ocfs2ClusterSpec spec, List<Member> members) {
    List<Member> sorted = members.stream().sorted(Comparator.comparingInt(Member::number)).toList();
    ApplyClusterRequest.Builder request = ApplyClusterRequest.newBuilder().setClusterName(spec.getClusterName());
    if (spec.getStack() == Ocfs2ClusterSpec.Stack.USER) {
      UserStackSpec user = spec.getUserStack();
      request.setStack(ClusterStackKind.CLUSTER_STACK_USER)
          .setCorosyncTokenMs(user.getTokenMs())
          .setDlmFencing(dlmFencing(user.getFencing()));
    } else {
      request.setPort(spec.getPort())
          .setTimeouts(O2cbTimeouts.newBuilder()
              .setHeartbeatDeadThreshold(spec.getHeartbeat().getDeadThreshold())
              .setIdleTimeoutMs(spec.getNetwork().getIdleTimeoutMs())
              .setKeepaliveDelayMs(spec.getNetwork().getKeepaliveDelayMs())
              .setReconnectDelayMs(spec.getNetwork().getReconnectDelayMs()));
    }
    sorted.forEach(m -> request.addMembers(
        ClusterMember.newBuilder().setNodeName(m.o2cbNodeName()).setNumber(m.number()).setAddress(m.address())));
    return request.setRevision(revision(request)).build();
  }

  /**
   * The user stack's request with the cluster's corosync authkey. The revision covers the key, so a member that
   * applied an earlier revision without it is sent the key.
   */
  public static ApplyClusterRequest withCorosyncAuthKey(ApplyClusterRequest request, byte[] key) {
    ApplyClusterRequest.Builder b = request.toBuilder().setCorosyncAuthkey(com.google.protobuf.ByteString.copyFrom(key));
    return b.setRevision(revision(b)).build();
  }

  static DlmFencing dlmFencing(UserStackSpec.Fencing f) {
    return switch (f) {
      case Disabled -> DlmFencing.DLM_FENCING_DISABLED;
      case WaitForRejoin -> DlmFencing.DLM_FENCING_WAIT_FOR_REJOIN;
      case PersistentReservation -> DlmFencing.DLM_FENCING_PERSISTENT_RESERVATION;
    };
  }

  static String revision(ApplyClusterRequest.Builder withoutRevision) {
    return Sha256.hexPrefix(withoutRevision.clone().clearRevision().build().toString(), 8);
  }
}
