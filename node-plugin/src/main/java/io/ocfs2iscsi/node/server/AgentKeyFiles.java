package io.ocfs2iscsi.node.server;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The agent's own key and certificate when the operator issues its certificate: the key is made here, on the node,
 * and never leaves it; until the operator has issued a certificate for it, a self-signed one stands in. The agent's
 * TLS reads both files again on every handshake, so an installed certificate is served from the next connection.
 */
public final class AgentKeyFiles {

  private static final String KEY = "PRIVATE KEY";
  private static final String CERT = "CERTIFICATE";

  private final Path cert;
  private final Path key;

  public AgentKeyFiles(Path cert, Path key) {
    this.cert = cert;
    this.key = key;
  }

  /**
   * Keeps an existing key and its certificate (they survive plugin restarts); otherwise makes a new key (EC P-256)
   * and a self-signed certificate for {@code nodeName}.
   */
  public void ensure(String nodeName) {
    try {
      if (existingPairUsable()) {
        return;
      }
      Files.createDirectories(key.toAbsolutePath().getParent());
      Files.createDirectories(cert.toAbsolutePath().getParent());
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      writePrivate(key, pem(KEY, pair.getPrivate().getEncoded()));
      byte[] der = SelfSignedCertificate.der(pair, "self-signed " + nodeName, Instant.now(), Duration.ofDays(3650));
      replace(cert, pem(CERT, der));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare the agent's key " + key + " and certificate " + cert + ": "
          + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot make the agent's key " + key + ": " + e.getMessage(), e);
    }
  }

  /**
   * Replaces the certificate with {@code chainPem} (the agent's certificate first, then its CA chain).
   *
   * @throws IllegalArgumentException when it is not PEM, is not for this agent's key, or is not valid now
   */
  public X509Certificate install(String chainPem) {
    List<X509Certificate> chain;
    try {
      chain = readChain(chainPem);
    } catch (CertificateException e) {
      throw new IllegalArgumentException("certificate_chain_pem is not a PEM certificate chain: " + e.getMessage());
    }
    X509Certificate leaf = chain.get(0);
    try {
      leaf.checkValidity();
    } catch (CertificateException e) {
      throw new IllegalArgumentException("the certificate is not valid now (" + leaf.getNotBefore() + " to "
          + leaf.getNotAfter() + ")");
    }
    PrivateKey own;
    try {
      own = readPrivate();
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot read the agent's key " + key + ": " + e.getMessage(), e);
    }
    if (own == null || !belongs(own, leaf.getPublicKey())) {
      throw new IllegalArgumentException("the certificate is not for this agent's key");
    }
    try {
      replace(cert, chainPem);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + cert + ": " + e.getMessage(), e);
    }
    return leaf;
  }

  private boolean existingPairUsable() {
    try {
      PrivateKey existing = Files.exists(key) && Files.exists(cert) ? readPrivate() : null;
      return existing != null && belongs(existing, readChain(Files.readString(cert)).get(0).getPublicKey());
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private PrivateKey readPrivate() throws IOException, GeneralSecurityException {
    String pem = Files.readString(key, StandardCharsets.US_ASCII);
    String begin = "-----BEGIN " + KEY + "-----";
    String end = "-----END " + KEY + "-----";
    int b = pem.indexOf(begin);
    int e = pem.indexOf(end);
    if (b < 0 || e < b) {
      return null;
    }
    byte[] der = Base64.getMimeDecoder().decode(pem.substring(b + begin.length(), e));
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
  }

  private static List<X509Certificate> readChain(String pem) throws CertificateException {
    List<X509Certificate> chain = new ArrayList<>();
    for (Certificate c : CertificateFactory.getInstance("X.509")
        .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
      chain.add((X509Certificate) c);
    }
    if (chain.isEmpty()) {
      throw new CertificateException("no certificate");
    }
    return chain;
  }

  private static boolean belongs(PrivateKey privateKey, PublicKey publicKey) {
    try {
      byte[] probe = "agent key probe".getBytes(StandardCharsets.US_ASCII);
      Signature sign = Signature.getInstance("SHA256withECDSA");
      sign.initSign(privateKey);
      sign.update(probe);
      Signature verify = Signature.getInstance("SHA256withECDSA");
      verify.initVerify(publicKey);
      verify.update(probe);
      return verify.verify(sign.sign());
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }

  private static void writePrivate(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".new");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(tmp, content, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  private static void replace(Path file, String content) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".new");
    Files.writeString(tmp, content, StandardCharsets.US_ASCII);
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
