package io.ocfs2iscsi.node.server;

import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.agent.v1.AgentCertificatesGrpc;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenRequest;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenResponse;
import io.ocfs2iscsi.agent.v1.InstallCertificateRequest;
import io.ocfs2iscsi.agent.v1.InstallCertificateResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's side of getting its certificate from the operator: hands out the pod's identity token and installs
 * the certificate issued for the agent's key. Like every agent call, only the operator's identity gets here
 * ({@link ClientIdentityInterceptor}). The token is a credential: it is never logged.
 */
public final class AgentCertificateService extends AgentCertificatesGrpc.AgentCertificatesImplBase {

  private static final Logger LOG = LoggerFactory.getLogger(AgentCertificateService.class);

  private final String nodeName;
  private final Optional<Path> token;
  private final AgentKeyFiles files;

  /** {@code token} empty: this node's certificate comes as files from elsewhere, the operator issues none. */
  public AgentCertificateService(String nodeName, Optional<Path> token, AgentKeyFiles files) {
    this.nodeName = nodeName;
    this.token = token;
    this.files = files;
  }

  @Override
  public void getIdentityToken(GetIdentityTokenRequest request,
      StreamObserver<GetIdentityTokenResponse> response) {
    if (token.isEmpty()) {
      response.onError(Status.FAILED_PRECONDITION.withDescription("node " + nodeName + " has no identity token"
          + " (--agent-tls-identity-token): its certificate is provided as files").asRuntimeException());
      return;
    }
    String jwt;
    try {
      jwt = Files.readString(token.get(), StandardCharsets.US_ASCII).trim();
    } catch (IOException e) {
      response.onError(Status.UNAVAILABLE.withDescription("cannot read the identity token " + token.get() + ": "
          + e.getClass().getSimpleName()).asRuntimeException());
      return;
    }
    response.onNext(GetIdentityTokenResponse.newBuilder().setToken(jwt).setNodeName(nodeName).build());
    response.onCompleted();
  }

  @Override
  public void installCertificate(InstallCertificateRequest request,
      StreamObserver<InstallCertificateResponse> response) {
    if (token.isEmpty()) {
      response.onError(Status.FAILED_PRECONDITION.withDescription("node " + nodeName + " takes its certificate"
          + " from files, not from the operator").asRuntimeException());
      return;
    }
    X509Certificate leaf;
    try {
      leaf = files.install(request.getCertificateChainPem());
    } catch (IllegalArgumentException e) {
      response.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asRuntimeException());
      return;
    } catch (RuntimeException e) {
      response.onError(Status.INTERNAL.withDescription(e.getMessage()).asRuntimeException());
      return;
    }
    LOG.info("installed the agent certificate issued by {} (serial {}, until {})",
        leaf.getIssuerX500Principal().getName(), leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant());
    response.onNext(InstallCertificateResponse.newBuilder()
        .setNotAfter(leaf.getNotAfter().toInstant().toString()).build());
    response.onCompleted();
  }
}
