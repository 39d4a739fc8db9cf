package io.ocfs2iscsi.operator.agent;

import io.ocfs2iscsi.contract.tls.ChainTrustManager;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Accepts whatever certificate an agent shows and keeps it: used only to learn the key a node wants certified.
 * Nothing secret travels on such a channel (the operator's own certificate, an empty request, the node's new public
 * certificate); the node proves who it is with its token, checked by the API server, not by this handshake.
 */
final class AcceptAnyAgent extends ChainTrustManager {

  private final AtomicReference<X509Certificate> shown = new AtomicReference<>();

  /** The agent's certificate of the last handshake; null before one. */
  X509Certificate shown() {
    return shown.get();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {
    shown.set(chain[0]);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("the operator's agent client accepts no clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
