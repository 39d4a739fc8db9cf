package io.ocfs2iscsi.node.testing;

import csi.v1.IdentityGrpc;
import csi.v1.NodeGrpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.ocfs2iscsi.agent.v1.NodeAgentGrpc;
import io.ocfs2iscsi.node.grpc.GrpcErrors;
import io.ocfs2iscsi.node.grpc.IdentityService;
import io.ocfs2iscsi.node.grpc.NodeAgentService;
import io.ocfs2iscsi.node.grpc.NodeService;
import io.ocfs2iscsi.node.grpc.RegistrationService;
import io.ocfs2iscsi.node.info.KubeletRegistration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import pluginregistration.v1.RegistrationGrpc;

/** The plugin's four gRPC services over grpc-java's in-process transport, on a faked reference host. */
public final class InProcessPlugin implements AutoCloseable {

  public final ReferenceHost host;
  public final IdentityGrpc.IdentityBlockingStub identity;
  public final NodeGrpc.NodeBlockingStub node;
  public final NodeAgentGrpc.NodeAgentBlockingStub agent;
  public final RegistrationGrpc.RegistrationBlockingStub registration;
  private final Server server;
  private final ManagedChannel channel;

  public InProcessPlugin(ReferenceHost host) {
    this.host = host;
    GrpcErrors errors = new GrpcErrors(host.redactor);
    var inventory = host.inventory();
    var kubelet = new KubeletRegistration(Path.of("/var/lib/kubelet/plugins/csi.ocfs2iscsi.io/csi.sock"));
    String name = InProcessServerBuilder.generateName();
    try {
      server =
          InProcessServerBuilder.forName(name)
              .directExecutor()
              .addService(new IdentityService(errors, inventory, kubelet, "0.1.0-test"))
              .addService(new NodeService(errors, host.stager, host.publisher, host.inspector, "drbd01"))
              .addService(new NodeAgentService(errors, inventory, host.cluster, host.formatter, host.inspector,
                  host.expander, host.slots))
              .addService(new RegistrationService(errors, kubelet))
              .build()
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    identity = IdentityGrpc.newBlockingStub(channel);
    node = NodeGrpc.newBlockingStub(channel);
    agent = NodeAgentGrpc.newBlockingStub(channel);
    registration = RegistrationGrpc.newBlockingStub(channel);
  }

  @Override
  public void close() throws InterruptedException {
    channel.shutdownNow();
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
