package io.ocfs2iscsi.node.grpc;

import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.node.info.KubeletRegistration;
import pluginregistration.v1.InfoRequest;
import pluginregistration.v1.PluginInfo;
import pluginregistration.v1.RegistrationGrpc;
import pluginregistration.v1.RegistrationStatus;
import pluginregistration.v1.RegistrationStatusResponse;

/** kubelet's plugin registration (pluginregistration v1), served on a socket in kubelet's plugins_registry. */
public final class RegistrationService extends RegistrationGrpc.RegistrationImplBase {

  private final GrpcErrors errors;
  private final KubeletRegistration registration;

  public RegistrationService(GrpcErrors errors, KubeletRegistration registration) {
    this.errors = errors;
    this.registration = registration;
  }

  @Override
  public void getInfo(InfoRequest request, StreamObserver<PluginInfo> observer) {
    errors.unary("GetInfo", observer, () -> PluginInfo.newBuilder()
        .setType(KubeletRegistration.CSI_PLUGIN)
        .setName(registration.driverName())
        .setEndpoint(registration.csiSocketOnHost().toString())
        .addAllSupportedVersions(KubeletRegistration.SUPPORTED_VERSIONS)
        .build());
  }

  @Override
  public void notifyRegistrationStatus(
      RegistrationStatus request, StreamObserver<RegistrationStatusResponse> observer) {
    errors.unary("NotifyRegistrationStatus", observer, () -> {
      if (request.getPluginRegistered()) {
        registration.registered();
      } else {
        registration.refused(request.getError());
      }
      return RegistrationStatusResponse.getDefaultInstance();
    });
  }
}
