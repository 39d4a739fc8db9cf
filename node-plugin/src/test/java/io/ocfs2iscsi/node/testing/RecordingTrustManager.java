package io.ocfs2iscsi.node.testing;

import io.ocfs2iscsi.contract.tls.ChainTrustManager;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Test-only client trust: accepts the agent's certificate and keeps it, so a test sees which one was served (a
 * certificate the agent made itself included).
 */
public final class RecordingTrustManager extends ChainTrustManager {

  private final AtomicReference<X509Certificate> server = new AtomicReference<>();

  /** The agent's certificate of the last handshake. */
  public X509Certificate server() {
    return server.get();
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) {
    server.set(chain[0]);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {
    throw new UnsupportedOperationException();
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
