package io.ocfs2iscsi.testsupport;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatusBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.api.model.storage.CSINodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Test seam: plays kubelet for nodes that have none. Registers a Node (Ready, with an InternalIP) and its CSINode
 * listing our driver, as kubelet and node-driver-registrar would; with heartbeats on, renews the node's Lease in
 * kube-node-lease every 5 s, so that a real node lifecycle controller keeps the node Ready.
 */
public final class FakeKubelets implements AutoCloseable {

  private final KubernetesClient client;
  private final String driver;
  private final Set<String> nodes = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService heartbeats;

  /** {@code driver}: the CSI driver name each CSINode lists; {@code heartbeat}: renew node Leases every 5 s. */
  public FakeKubelets(KubernetesClient client, String driver, boolean heartbeat) {
    this.client = client;
    this.driver = driver;
    if (heartbeat) {
      heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "fake-kubelet-heartbeats");
        t.setDaemon(true);
        return t;
      });
      heartbeats.scheduleWithFixedDelay(this::heartbeat, 5, 5, TimeUnit.SECONDS);
    } else {
      heartbeats = null;
    }
  }

  public void register(String name, Map<String, String> labels, String internalIp) {
    client.nodes().resource(new NodeBuilder()
        .withNewMetadata().withName(name).addToLabels(labels).endMetadata()
        .build()).create();
    String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
    // The node lifecycle controller changes a new Node at once (taints), so the write retries on a conflict.
    for (int attempt = 1; ; attempt++) {
      Node node = client.nodes().withName(name).get();
      node.setStatus(new NodeStatusBuilder()
          .addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress()
          .addNewAddress().withType("Hostname").withAddress(name).endAddress()
          .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
            .withLastHeartbeatTime(now).withLastTransitionTime(now).endCondition()
          .build());
      try {
        client.nodes().resource(node).updateStatus();
        break;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
    nodes.add(name);
    if (heartbeats != null) {
      renew(name);
    }
    client.storage().v1().csiNodes().resource(new CSINodeBuilder()
        .withNewMetadata().withName(name).endMetadata()
        .withNewSpec().addNewDriver().withName(driver).withNodeID(name).endDriver().endSpec()
        .build()).create();
  }

  public void remove(String name) {
    nodes.remove(name);
    client.storage().v1().csiNodes().withName(name).delete();
    client.nodes().withName(name).delete();
    if (heartbeats != null) {
      client.leases().inNamespace("kube-node-lease").withName(name).delete();
    }
  }

  /**
   * The node died: its kubelet stops renewing the Lease, and its Ready condition turns Unknown as the node lifecycle
   * controller sets it after the grace period (set here at once, so that a test need not wait for it).
   */
  public void dies(String name) {
    nodes.remove(name);
    setReady(name, "Unknown", "NodeStatusUnknown");
  }

  /** The node booted again: its kubelet posts Ready and renews the Lease. */
  public void boots(String name) {
    setReady(name, "True", "KubeletReady");
    nodes.add(name);
    if (heartbeats != null) {
      renew(name);
    }
  }

  /** Adds the taint {@code key} with effect {@code effect}, as {@code kubectl taint nodes} does. */
  public void taint(String name, String key, String value, String effect) {
    client.nodes().withName(name).edit(n -> new NodeBuilder(n).editOrNewSpec()
        .addNewTaint().withKey(key).withValue(value).withEffect(effect).endTaint().endSpec().build());
  }

  /** Removes every taint {@code key}. */
  public void untaint(String name, String key) {
    client.nodes().withName(name).edit(n -> {
      if (n.getSpec() != null && n.getSpec().getTaints() != null) {
        n.getSpec().getTaints().removeIf(t -> key.equals(t.getKey()));
      }
      return n;
    });
  }

  private void setReady(String name, String status, String reason) {
    String now = DateTimeFormatter.ISO_INSTANT.format(Instant.now());
    for (int attempt = 1; ; attempt++) {
      Node node = client.nodes().withName(name).get();
      node.getStatus().getConditions().removeIf(c -> "Ready".equals(c.getType()));
      node.getStatus().getConditions().add(new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
          .withType("Ready").withStatus(status).withReason(reason).withLastHeartbeatTime(now)
          .withLastTransitionTime(now).build());
      try {
        client.nodes().resource(node).updateStatus();
        return;
      } catch (KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 10) {
          throw e;
        }
      }
    }
  }

  private void heartbeat() {
    nodes.forEach(this::renew);
  }

  private void renew(String node) {
    try {
      client.leases().inNamespace("kube-node-lease").resource(new LeaseBuilder()
          .withNewMetadata().withName(node).withNamespace("kube-node-lease").endMetadata()
          .withNewSpec().withHolderIdentity(node).withLeaseDurationSeconds(40)
            .withRenewTime(ZonedDateTime.now(ZoneOffset.UTC)).endSpec()
          .build()).fieldManager("fake-kubelet").forceConflicts().serverSideApply();
    } catch (KubernetesClientException e) {
      System.err.println("heartbeat of " + node + ": " + e.getMessage());
    }
  }

  @Override
  public void close() {
    if (heartbeats != null) {
      heartbeats.shutdownNow();
    }
  }
}
