package io.ocfs2iscsi.node.server;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets only the operator call the node agent. The TLS handshake proves that the client holds a certificate of the
 * agent's CA; every node holds one too, so the certificate must also name the operator's identity. Anything else
 * ends with PERMISSION_DENIED before the call reaches a service.
 */
public final class ClientIdentityInterceptor implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(ClientIdentityInterceptor.class);

  private final String expected;

  public ClientIdentityInterceptor(String expected) {
    this.expected = expected;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    Optional<String> refusal = refusal(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
    if (refusal.isEmpty()) {
      return next.startCall(call, headers);
    }
    LOG.warn("refused {} from {}: {}", call.getMethodDescriptor().getFullMethodName(),
        call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR), refusal.get());
    call.close(Status.PERMISSION_DENIED.withDescription(refusal.get()), new Metadata());
    return new ServerCall.Listener<>() {};
  }

  private Optional<String> refusal(SSLSession session) {
    if (session == null) {
      return Optional.of("the node agent serves only the operator (" + expected + ") over mutual TLS");
    }
    Certificate[] peer;
    try {
      peer = session.getPeerCertificates();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.of("the node agent serves only the operator (" + expected + "); the client sent no certificate");
    }
    if (peer.length > 0 && peer[0] instanceof X509Certificate leaf && AgentIdentities.names(leaf, expected)) {
      return Optional.empty();
    }
    List<String> named = peer.length > 0 && peer[0] instanceof X509Certificate leaf
        ? AgentIdentities.uris(leaf) : List.of();
    return Optional.of("the node agent serves only the operator (" + expected + "); the client certificate names "
        + (named.isEmpty() ? "no URI identity" : String.join(", ", named)));
  }
}
