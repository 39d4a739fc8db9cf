package io.ocfs2iscsi.node.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import csi.v1.ProbeRequest;
import io.ocfs2iscsi.node.testing.InProcessPlugin;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import pluginregistration.v1.RegistrationStatus;

/** kubelet's verdict on the registration reaches the CSI Probe, which the liveness and readiness probes follow. */
class RegistrationServiceTest {

  private static boolean ready(InProcessPlugin p) {
    return p.identity.probe(ProbeRequest.getDefaultInstance()).getReady().getValue();
  }

  @Test
  void aRefusedRegistrationMakesProbeNotReadyUntilKubeletAcceptsIt(@TempDir Path dir) throws Exception {
    try (InProcessPlugin p = new InProcessPlugin(new ReferenceHost(dir))) {
      assertThat(ready(p)).as("before kubelet has answered").isTrue();

      p.registration.notifyRegistrationStatus(
          RegistrationStatus.newBuilder().setPluginRegistered(false).setError("name already registered").build());
      assertThat(ready(p)).as("after kubelet refused").isFalse();

      p.registration.notifyRegistrationStatus(RegistrationStatus.newBuilder().setPluginRegistered(true).build());
      assertThat(ready(p)).as("after kubelet registered it on its retry").isTrue();
    }
  }
}
