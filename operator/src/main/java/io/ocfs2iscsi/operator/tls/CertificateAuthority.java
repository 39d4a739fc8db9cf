package io.ocfs2iscsi.operator.tls;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A small CA for the mutual TLS between the operator (client) and the node agents (server). Certificates name their
 * holder by a URI ({@link io.ocfs2iscsi.contract.tls.AgentIdentities}): the operator, or one node. Node agents are
 * dialled by IP, so the operator checks the node's URI, not the address.
 */
public final class CertificateAuthority {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final X509Certificate certificate;
  private final PrivateKey key;

  private CertificateAuthority(X509Certificate certificate, PrivateKey key) {
    this.certificate = certificate;
    this.key = key;
  }

  public static CertificateAuthority create(String commonName, Duration validity) {
    KeyPair pair = keyPair();
    X500Name name = new X500Name("CN=" + commonName);
    try {
      var builder = builder(name, name, pair.getPublic(), validity);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      return new CertificateAuthority(sign(builder, pair.getPrivate()), pair.getPrivate());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Loads a CA from its PEM certificate and PEM private key (as kept in the CA Secret). */
  public static CertificateAuthority load(String certificatePem, String privateKeyPem) {
    try (PEMParser certs = new PEMParser(new StringReader(certificatePem));
        PEMParser keys = new PEMParser(new StringReader(privateKeyPem))) {
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate((X509CertificateHolder) certs.readObject());
      Object keyObject = keys.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      PrivateKey key = keyObject instanceof PEMKeyPair kp
          ? converter.getKeyPair(kp).getPrivate()
          : converter.getPrivateKey((org.bouncycastle.asn1.pkcs.PrivateKeyInfo) keyObject);
      return new CertificateAuthority(cert, key);
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("not a PEM CA certificate and key: " + e.getMessage(), e);
    }
  }

  /** A server certificate whose subject alternative name is {@code dnsName}. */
  public IssuedCertificate issueServer(String dnsName, Duration validity) {
    return issue(dnsName, KeyPurposeId.id_kp_serverAuth, List.of(dnsName), List.of(), validity);
  }

  /** A server certificate naming {@code dnsNames} and the URIs {@code uris} as subject alternative names. */
  public IssuedCertificate issueServer(List<String> dnsNames, List<String> uris, Duration validity) {
    String cn = uris.isEmpty() ? dnsNames.get(0) : uris.get(0);
    return issue(cn, KeyPurposeId.id_kp_serverAuth, dnsNames, uris, validity);
  }

  /** A client certificate with common name {@code commonName}. */
  public IssuedCertificate issueClient(String commonName, Duration validity) {
    return issue(commonName, KeyPurposeId.id_kp_clientAuth, List.of(), List.of(), validity);
  }

  /** A client certificate with common name {@code commonName} naming the URI {@code uri}. */
  public IssuedCertificate issueClient(String commonName, String uri, Duration validity) {
    return issue(commonName, KeyPurposeId.id_kp_clientAuth, List.of(), List.of(uri), validity);
  }

  /**
   * A node agent's server certificate for a key the node made itself (only its public half is here), naming the
   * node's URI {@code identity}; PEM, followed by this CA's certificate.
   */
  public String issueAgent(PublicKey key, String identity, Duration validity) {
    try {
      var builder = builder(new X500Name(certificate.getSubjectX500Principal().getName()),
          new X500Name("CN=ocfs2iscsi node agent"), key, validity);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
      builder.addExtension(
          Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
      builder.addExtension(Extension.subjectAlternativeName, false,
          new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, identity)));
      return pem(sign(builder, this.key)) + pem(certificate);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue the agent certificate of " + identity, e);
    }
  }

  public IssuedCertificate self() {
    return new IssuedCertificate(pem(certificate), pem(key));
  }

  public X509Certificate certificate() {
    return certificate;
  }

  private IssuedCertificate issue(
      String cn, KeyPurposeId purpose, List<String> dnsNames, List<String> uris, Duration validity) {
    KeyPair pair = keyPair();
    try {
      var builder =
          builder(new X500Name(certificate.getSubjectX500Principal().getName()), new X500Name("CN=" + cn),
              pair.getPublic(), validity);
      builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      builder.addExtension(
          Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
      builder.addExtension(
          Extension.authorityKeyIdentifier, false,
          new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(certificate));
      if (!dnsNames.isEmpty() || !uris.isEmpty()) {
        GeneralName[] names = java.util.stream.Stream.concat(
                dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n)),
                uris.stream().map(u -> new GeneralName(GeneralName.uniformResourceIdentifier, u)))
            .toArray(GeneralName[]::new);
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new IssuedCertificate(pem(sign(builder, key)), pem(pair.getPrivate()));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot issue certificate for " + cn, e);
    }
  }

  private static JcaX509v3CertificateBuilder builder(
      X500Name issuer, X500Name subject, PublicKey subjectKey, Duration validity) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(
        issuer,
        new BigInteger(127, RANDOM),
        Date.from(now.minus(Duration.ofMinutes(5))),
        Date.from(now.plus(validity)),
        subject,
        subjectKey);
  }

  private static X509Certificate sign(JcaX509v3CertificateBuilder builder, PrivateKey signer) {
    try {
      String algorithm = "RSA".equals(signer.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
      ContentSigner contentSigner = new JcaContentSignerBuilder(algorithm).build(signer);
      return new JcaX509CertificateConverter().getCertificate(builder.build(contentSigner));
    } catch (OperatorCreationException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign certificate", e);
    }
  }

  private static KeyPair keyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("EC P-256 is not available", e);
    }
  }

  private static String pem(Object object) {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      // PKCS#8 for keys: what Netty's SslContextBuilder reads.
      writer.writeObject(object instanceof PrivateKey k ? new JcaPKCS8Generator(k, null) : object);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString();
  }
}
