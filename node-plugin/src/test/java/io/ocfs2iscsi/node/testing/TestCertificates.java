package io.ocfs2iscsi.node.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/** A throw-away CA and certificates for the mutual-TLS tests, written as PEM (keys as PKCS#8, as the operator does). */
public final class TestCertificates {

  /** PEM files of one party. */
  public record Pem(Path cert, Path key) {}

  private final Path dir;
  private final KeyPair caKey;
  private final X509Certificate caCert;
  public final Path caFile;

  public TestCertificates(Path dir, String caName) {
    this.dir = dir;
    this.caKey = rsa();
    this.caCert = sign(caName, caKey.getPublic(), caName, caKey, true, null, null);
    this.caFile = write(caName + "-ca.crt", pem("CERTIFICATE", encoded(caCert)));
  }

  public Pem server(String name) {
    return issue(name, KeyPurposeId.id_kp_serverAuth, null);
  }

  public Pem client(String name) {
    return issue(name, KeyPurposeId.id_kp_clientAuth, null);
  }

  /** A server certificate that also carries {@code uri} as a URI subject alternative name. */
  public Pem server(String name, String uri) {
    return issue(name, KeyPurposeId.id_kp_serverAuth, uri);
  }

  /** A client certificate that carries {@code uri} as a URI subject alternative name. */
  public Pem client(String name, String uri) {
    return issue(name, KeyPurposeId.id_kp_clientAuth, uri);
  }

  private Pem issue(String name, KeyPurposeId purpose, String uri) {
    KeyPair kp = rsa();
    X509Certificate c = sign(name, kp.getPublic(), caName(), caKey, false, purpose, uri);
    return new Pem(write(name + ".crt", pem("CERTIFICATE", encoded(c))),
        write(name + ".key", pem("PRIVATE KEY", ((PrivateKey) kp.getPrivate()).getEncoded())));
  }

  /** A server certificate for a key made elsewhere (an agent's own), naming {@code uri}; returns its PEM. */
  public String serverFor(PublicKey key, String uri) {
    return pem("CERTIFICATE", encoded(sign("agent", key, caName(), caKey, false, KeyPurposeId.id_kp_serverAuth, uri)))
        + pem("CERTIFICATE", encoded(caCert));
  }

  private String caName() {
    return caCert.getSubjectX500Principal().getName().replace("CN=", "");
  }

  private static X509Certificate sign(
      String cn, PublicKey subject, String issuerCn, KeyPair issuer, boolean ca, KeyPurposeId purpose, String uri) {
    try {
      Instant now = Instant.now();
      JcaX509v3CertificateBuilder b =
          new JcaX509v3CertificateBuilder(
              new X500Name("CN=" + issuerCn), BigInteger.valueOf(now.toEpochMilli() + cn.hashCode()),
              Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))),
              new X500Name("CN=" + cn), subject);
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
      if (ca) {
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      } else {
        b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        GeneralName[] names = uri == null
            ? new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1")}
            : new GeneralName[] {new GeneralName(GeneralName.dNSName, "localhost"),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                new GeneralName(GeneralName.uniformResourceIdentifier, uri)};
        b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
      }
      return new JcaX509CertificateConverter()
          .getCertificate(b.build(new JcaContentSignerBuilder("SHA256withRSA").build(issuer.getPrivate())));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return g.generateKeyPair();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] encoded(X509Certificate c) {
    try {
      return c.getEncoded();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private Path write(String name, String content) {
    try {
      return Files.writeString(dir.resolve(name), content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
