package io.ocfs2iscsi.contract.tls;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;

/**
 * This end's certificate and key, read from PEM files and read again when either file changes (a renewal, a
 * re-issued Secret): each new handshake uses the files as they are then, without a restart. A certificate whose key
 * has not arrived yet (the two files are written one after the other) is not used: the previous pair stays until
 * both match.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {

  private static final char[] PASSWORD = "in-memory".toCharArray();

  private record Loaded(FileStamp cert, FileStamp key, X509ExtendedKeyManager delegate, X509Certificate leaf) {}

  private final Path certFile;
  private final Path keyFile;
  private final Consumer<String> warnings;
  private volatile Loaded current;
  private FileStamp[] refused = {};

  /**
   * Reads both files now.
   *
   * @throws IllegalArgumentException naming the files when they cannot be read or do not belong together
   */
  public ReloadingKeyManager(Path certFile, Path keyFile, Consumer<String> warnings) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.warnings = warnings;
    try {
      this.current = load(FileStamp.of(certFile), FileStamp.of(keyFile));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use " + certFile + " and " + keyFile + ": " + e.getMessage(), e);
    }
  }

  /** The certificate in use (after reading the files again if they changed). */
  public X509Certificate certificate() {
    return refreshed().leaf();
  }

  private Loaded refreshed() {
    Loaded now = current;
    FileStamp cert = FileStamp.of(certFile);
    FileStamp key = FileStamp.of(keyFile);
    if (cert.equals(now.cert()) && key.equals(now.key())) {
      return now;
    }
    synchronized (this) {
      now = current;
      if ((cert.equals(now.cert()) && key.equals(now.key())) || List.of(refused).equals(List.of(cert, key))) {
        return now;
      }
      try {
        current = load(cert, key);
        return current;
      } catch (IOException | GeneralSecurityException e) {
        refused = new FileStamp[] {cert, key};
        warnings.accept("keeping the previous certificate: cannot use " + certFile + " and " + keyFile + ": "
            + e.getMessage());
        return now;
      }
    }
  }

  private Loaded load(FileStamp certStamp, FileStamp keyStamp) throws IOException, GeneralSecurityException {
    List<X509Certificate> chain = PemFiles.certificates(certFile);
    PrivateKey key = PemFiles.privateKey(keyFile);
    if (!PemFiles.pair(key, chain.get(0).getPublicKey())) {
      throw new GeneralSecurityException("the key is not the certificate's");
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("self", key, PASSWORD, chain.toArray(new X509Certificate[0]));
    KeyManagerFactory factory = KeyManagerFactory.getInstance("NewSunX509");
    factory.init(store, PASSWORD);
    return new Loaded(certStamp, keyStamp, (X509ExtendedKeyManager) factory.getKeyManagers()[0], chain.get(0));
  }

  // The alias choice reads the files again; the chain and key then come from the same pair.

  @Override
  public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
    return refreshed().delegate().chooseEngineServerAlias(keyType, issuers, engine);
  }

  @Override
  public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
    return refreshed().delegate().chooseEngineClientAlias(keyType, issuers, engine);
  }

  @Override
  public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
    return refreshed().delegate().chooseServerAlias(keyType, issuers, socket);
  }

  @Override
  public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
    return refreshed().delegate().chooseClientAlias(keyType, issuers, socket);
  }

  @Override
  public String[] getServerAliases(String keyType, Principal[] issuers) {
    return current.delegate().getServerAliases(keyType, issuers);
  }

  @Override
  public String[] getClientAliases(String keyType, Principal[] issuers) {
    return current.delegate().getClientAliases(keyType, issuers);
  }

  @Override
  public X509Certificate[] getCertificateChain(String alias) {
    return current.delegate().getCertificateChain(alias);
  }

  @Override
  public PrivateKey getPrivateKey(String alias) {
    return current.delegate().getPrivateKey(alias);
  }
}
