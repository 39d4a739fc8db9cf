package io.ocfs2iscsi.node.info;

import io.ocfs2iscsi.contract.CsiDriver;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the plugin tells kubelet's plugin watcher about itself, and kubelet's last verdict on it. A refusal keeps
 * the CSI Probe not ready until kubelet registers the driver on a later attempt: a node where kubelet does not know
 * the driver can mount none of its volumes, however healthy the host tools are.
 */
public final class KubeletRegistration {

  private static final Logger LOG = LoggerFactory.getLogger(KubeletRegistration.class);

  /** The plugin type kubelet hands to its CSI plugin handler. */
  public static final String CSI_PLUGIN = "CSIPlugin";

  /** The CSI versions this plugin speaks, as kubelet's CSI handler expects them. */
  public static final List<String> SUPPORTED_VERSIONS = List.of("1.0.0");

  private final Path csiSocketOnHost;
  private volatile Optional<String> failure = Optional.empty();

  /** @param csiSocketOnHost the CSI socket's path as kubelet, on the host, dials it */
  public KubeletRegistration(Path csiSocketOnHost) {
    this.csiSocketOnHost = csiSocketOnHost;
  }

  public String driverName() {
    return CsiDriver.NAME;
  }

  public Path csiSocketOnHost() {
    return csiSocketOnHost;
  }

  public void registered() {
    failure = Optional.empty();
    LOG.info("kubelet registered {} (CSI socket {} on the host)", CsiDriver.NAME, csiSocketOnHost);
  }

  public void refused(String error) {
    String reason = error == null || error.isBlank() ? "(kubelet gave no reason)" : error;
    failure = Optional.of(reason);
    LOG.error("kubelet refused to register {} (CSI socket {} on the host): {}; CSI Probe reports not ready until a"
        + " later attempt succeeds", CsiDriver.NAME, csiSocketOnHost, reason);
  }

  /** kubelet's reason when its last verdict was a refusal; empty before any verdict and after a success. */
  public Optional<String> failure() {
    return failure;
  }
}
