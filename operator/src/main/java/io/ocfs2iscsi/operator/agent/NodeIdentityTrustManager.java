package io.ocfs2iscsi.operator.agent;

import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.contract.tls.ChainTrustManager;
import io.ocfs2iscsi.contract.tls.ReloadingTrustManager;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * Trusts one node's agent: a certificate that chains to the agents' CA and names that node's identity. Every node
 * holds a certificate of the same CA, so the chain alone would let any node answer at another's address and receive
 * its calls (with their CHAP secrets). Agents are dialled by IP; the name checked is the node's URI, not the IP.
 */
final class NodeIdentityTrustManager extends ChainTrustManager {

  /** What the channel learns from a handshake: the node needs a certificate, or has this one. */
  interface Outcome {
    void refused();

    void trusted(X509Certificate agent);
  }

  private final ReloadingTrustManager chain;
  private final String expected;
  private final Outcome outcome;

  NodeIdentityTrustManager(ReloadingTrustManager chain, String expected, Outcome outcome) {
    this.chain = chain;
    this.expected = expected;
    this.outcome = outcome;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    try {
      chain.checkServerTrusted(certs, authType);
    } catch (CertificateException e) {
      outcome.refused();
      throw e;
    }
    if (!AgentIdentities.names(certs[0], expected)) {
      outcome.refused();
      List<String> named = AgentIdentities.uris(certs[0]);
      throw new CertificateException("the agent's certificate names " + (named.isEmpty() ? "no URI identity"
          : String.join(", ", named)) + ", not the node dialled (" + expected + ")");
    }
    outcome.trusted(certs[0]);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] certs, String authType) throws CertificateException {
    throw new CertificateException("the operator's agent client accepts no clients");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return chain.getAcceptedIssuers();
  }
}
