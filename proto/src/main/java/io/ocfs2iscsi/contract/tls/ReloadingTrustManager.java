package io.ocfs2iscsi.contract.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts certificates that chain to the CA certificates of one PEM file, read again when the file changes: a CA
 * replaced on disk is trusted, and the one it replaced is not, from the next handshake on. It checks the chain only
 * (validity, signatures, key usage), never a host name: the agent channel names its peers by URI
 * ({@link AgentIdentities}), and whoever uses this class checks that name.
 */
public final class ReloadingTrustManager extends ChainTrustManager {

  private record Loaded(FileStamp stamp, X509TrustManager delegate, X509Certificate[] authorities) {}

  private final Path caFile;
  private final Consumer<String> warnings;
  private volatile Loaded current;
  private FileStamp refused;

  /**
   * Reads the file now.
   *
   * @throws IllegalArgumentException naming the file when it holds no usable certificate
   */
  public ReloadingTrustManager(Path caFile, Consumer<String> warnings) {
    this.caFile = caFile;
    this.warnings = warnings;
    try {
      this.current = load(FileStamp.of(caFile));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot use " + caFile + ": " + e.getMessage(), e);
    }
  }

  private Loaded refreshed() {
    Loaded now = current;
    FileStamp stamp = FileStamp.of(caFile);
    if (stamp.equals(now.stamp())) {
      return now;
    }
    synchronized (this) {
      now = current;
      if (stamp.equals(now.stamp()) || stamp.equals(refused)) {
        return now;
      }
      try {
        current = load(stamp);
        return current;
      } catch (IOException | GeneralSecurityException e) {
        refused = stamp;
        warnings.accept("keeping the previous CA: cannot use " + caFile + ": " + e.getMessage());
        return now;
      }
    }
  }

  private Loaded load(FileStamp stamp) throws IOException, GeneralSecurityException {
    List<X509Certificate> cas = PemFiles.certificates(caFile);
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < cas.size(); i++) {
      store.setCertificateEntry("ca-" + i, cas.get(i));
    }
    TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
    factory.init(store);
    return new Loaded(stamp, (X509TrustManager) factory.getTrustManagers()[0], cas.toArray(new X509Certificate[0]));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    refreshed().delegate().checkClientTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    refreshed().delegate().checkServerTrusted(chain, authType);
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return refreshed().authorities().clone();
  }
}
