package io.ocfs2iscsi.operator.tls;

/** A certificate and its private key, PEM-encoded. */
public record IssuedCertificate(String certificatePem, String privateKeyPem) {}
