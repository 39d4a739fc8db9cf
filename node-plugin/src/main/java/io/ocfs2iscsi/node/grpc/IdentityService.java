package io.ocfs2iscsi.node.grpc;

import com.google.protobuf.BoolValue;
import csi.v1.GetPluginCapabilitiesRequest;
import csi.v1.GetPluginCapabilitiesResponse;
import csi.v1.GetPluginInfoRequest;
import csi.v1.GetPluginInfoResponse;
import csi.v1.IdentityGrpc;
import csi.v1.ProbeRequest;
import csi.v1.ProbeResponse;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.node.info.HostInventory;
import io.ocfs2iscsi.node.info.KubeletRegistration;

/**
 * CSI Identity. A node-only plugin: no plugin capabilities (no controller service, no topology). Probe is ready
 * only when every required host tool is there and kubelet has not refused to register the driver.
 */
public final class IdentityService extends IdentityGrpc.IdentityImplBase {

  private final GrpcErrors errors;
  private final HostInventory inventory;
  private final KubeletRegistration registration;
  private final String version;

  public IdentityService(
      GrpcErrors errors, HostInventory inventory, KubeletRegistration registration, String version) {
    this.errors = errors;
    this.inventory = inventory;
    this.registration = registration;
    this.version = version;
  }

  @Override
  public void getPluginInfo(GetPluginInfoRequest request, StreamObserver<GetPluginInfoResponse> observer) {
    errors.unary("GetPluginInfo", observer,
        () -> GetPluginInfoResponse.newBuilder().setName(CsiDriver.NAME).setVendorVersion(version).build());
  }

  @Override
  public void getPluginCapabilities(
      GetPluginCapabilitiesRequest request, StreamObserver<GetPluginCapabilitiesResponse> observer) {
    errors.unary("GetPluginCapabilities", observer, () -> GetPluginCapabilitiesResponse.getDefaultInstance());
  }

  @Override
  public void probe(ProbeRequest request, StreamObserver<ProbeResponse> observer) {
    errors.unary("Probe", observer,
        () -> ProbeResponse.newBuilder().setReady(BoolValue.of(
            inventory.missingTools().isEmpty() && registration.failure().isEmpty())).build());
  }
}
