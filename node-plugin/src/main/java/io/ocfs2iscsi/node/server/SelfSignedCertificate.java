package io.ocfs2iscsi.node.server;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The DER of a minimal self-signed X.509 certificate (version 1, ECDSA P-256 with SHA-256) for a key the agent
 * made itself. Nobody trusts it: it only lets the agent finish a TLS handshake until the operator has issued the
 * real certificate for the same key. Written by hand because the JDK has no public certificate builder.
 */
final class SelfSignedCertificate {

  private static final byte[] ECDSA_WITH_SHA256 = {0x2A, (byte) 0x86, 0x48, (byte) 0xCE, 0x3D, 0x04, 0x03, 0x02};
  private static final byte[] COMMON_NAME = {0x55, 0x04, 0x03};
  private static final DateTimeFormatter UTC_TIME =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private SelfSignedCertificate() {}

  static byte[] der(KeyPair ecKeys, String commonName, Instant now, Duration validity)
      throws GeneralSecurityException {
    byte[] algorithm = sequence(tlv(0x06, ECDSA_WITH_SHA256));
    byte[] name = sequence(tlv(0x31, sequence(tlv(0x06, COMMON_NAME),
        tlv(0x0C, commonName.getBytes(StandardCharsets.UTF_8)))));
    byte[] tbs = sequence(
        tlv(0x02, new BigInteger(127, new SecureRandom()).add(BigInteger.ONE).toByteArray()),
        algorithm,
        name,
        sequence(utcTime(now.minus(Duration.ofMinutes(5))), utcTime(now.plus(validity))),
        name,
        ecKeys.getPublic().getEncoded());
    Signature signer = Signature.getInstance("SHA256withECDSA");
    signer.initSign(ecKeys.getPrivate());
    signer.update(tbs);
    byte[] signature = signer.sign();
    byte[] bits = new byte[signature.length + 1];
    System.arraycopy(signature, 0, bits, 1, signature.length);
    return sequence(tbs, algorithm, tlv(0x03, bits));
  }

  private static byte[] utcTime(Instant t) {
    return tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
  }

  private static byte[] sequence(byte[]... parts) {
    ByteArrayOutputStream content = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      content.writeBytes(p);
    }
    return tlv(0x30, content.toByteArray());
  }

  private static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int n = value.length;
    if (n < 0x80) {
      out.write(n);
    } else if (n < 0x100) {
      out.write(0x81);
      out.write(n);
    } else {
      out.write(0x82);
      out.write(n >> 8);
      out.write(n & 0xFF);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }
}
