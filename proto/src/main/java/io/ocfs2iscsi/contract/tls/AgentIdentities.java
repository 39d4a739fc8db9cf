package io.ocfs2iscsi.contract.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who is who on the node-agent channel. Both ends are named by a URI subject alternative name in their certificate
 * (SPIFFE style): the operator by one fixed URI, each node by a prefix followed by its Kubernetes Node name. The CA
 * alone says nothing about the role: every node's certificate comes from it too.
 */
public final class AgentIdentities {

  /** The operator's identity unless configured otherwise. */
  public static final String OPERATOR = "spiffe://ocfs2iscsi.io/operator";

  /** Prefix of a node's identity unless configured otherwise; the Node name follows. */
  public static final String NODE_PREFIX = "spiffe://ocfs2iscsi.io/node/";

  /**
   * Audience of the service account token a node plugin hands the operator to prove which pod (and so which node)
   * it is: a token for this audience is of no use against the API server.
   */
  public static final String TOKEN_AUDIENCE = "ocfs2iscsi.io/node-agent";

  public static final String IDENTITY_RULE =
      "an absolute URI without spaces, query or fragment, e.g. " + OPERATOR;

  private static final Pattern IDENTITY = Pattern.compile("[a-z][a-z0-9+.-]*://[^\\s?#]+");
  private static final int URI_NAME = 6;

  private AgentIdentities() {}

  /** The identity of node {@code nodeName}. */
  public static String node(String prefix, String nodeName) {
    return prefix + nodeName;
  }

  /** The URI subject alternative names of {@code cert}, in order; empty when it has none. */
  public static List<String> uris(X509Certificate cert) {
    Collection<List<?>> names;
    try {
      names = cert.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return List.of();
    }
    List<String> uris = new ArrayList<>();
    if (names != null) {
      for (List<?> name : names) {
        if (name.size() >= 2 && Integer.valueOf(URI_NAME).equals(name.get(0)) && name.get(1) instanceof String s) {
          uris.add(s);
        }
      }
    }
    return uris;
  }

  /** Whether {@code cert} names {@code identity} (exactly: no wildcard, no prefix match). */
  public static boolean names(X509Certificate cert, String identity) {
    return uris(cert).contains(identity);
  }

  /** Why {@code identity} cannot be used as an identity (or a node identity prefix), if it cannot. */
  public static Optional<String> problem(String identity) {
    if (identity == null || !IDENTITY.matcher(identity).matches()) {
      return Optional.of("must be " + IDENTITY_RULE);
    }
    return Optional.empty();
  }
}
