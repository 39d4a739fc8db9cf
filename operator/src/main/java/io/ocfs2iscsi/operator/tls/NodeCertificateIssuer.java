package io.ocfs2iscsi.operator.tls;

import io.ocfs2iscsi.contract.tls.AgentIdentities;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Optional;

/**
 * Issues each node agent its own server certificate, for the key the node made and showed in a TLS handshake, once
 * the node has proved which node it is ({@link NodeIdentityReview}). The CA key stays with the operator; it is read
 * from its files at every issue, so a replaced CA signs from then on.
 */
public final class NodeCertificateIssuer {

  /** How long a node certificate is valid; the operator renews it when a third of that is left. */
  public static final Duration VALIDITY = Duration.ofDays(90);

  /** Why a node gets no certificate. */
  public static final class Refused extends Exception {
    public Refused(String message) {
      super(message);
    }
  }

  private final NodeIdentityReview review;
  private final Path caCert;
  private final Path caKey;
  private final String nodeIdentityPrefix;

  public NodeCertificateIssuer(NodeIdentityReview review, Path caCert, Path caKey, String nodeIdentityPrefix) {
    this.review = review;
    this.caCert = caCert;
    this.caKey = caKey;
    this.nodeIdentityPrefix = nodeIdentityPrefix;
  }

  /** The certificate chain (PEM) for {@code node}'s {@code key}, when {@code token} proves the caller is that node. */
  public String issue(String node, PublicKey key, String token) throws Refused {
    Optional<String> refusal = review.refusal(node, token);
    if (refusal.isPresent()) {
      throw new Refused("node " + node + " gets no certificate: " + refusal.get());
    }
    CertificateAuthority ca;
    try {
      ca = CertificateAuthority.load(Files.readString(caCert), Files.readString(caKey));
    } catch (IOException | IllegalArgumentException e) {
      throw new IllegalStateException("cannot read the CA that signs node certificates (" + caCert + ", " + caKey
          + "): " + e.getMessage(), e);
    }
    return ca.issueAgent(key, AgentIdentities.node(nodeIdentityPrefix, node), VALIDITY);
  }
}
