package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PersistentVolume;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.operator.api.v1alpha1.ClusterMemberStatus;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec.TimeoutCheck;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2ClusterSpec;
import io.ocfs2iscsi.operator.desired.ExampleResources;
import io.ocfs2iscsi.operator.run.OperatorRuntime;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.testsupport.FakeKubelets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The operator's reconcile scenarios (numbering, format once, publish, health, deletion), end to end through the
 * real JOSDK runtime and the real gRPC client, with fake node agents (in-process gRPC) as the only seam. A subclass
 * says which API server: fabric8's mock server in CRUD mode, or a real kube-apiserver with kube-controller-manager
 * (PV binder, garbage collector).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ReconcilerScenarios {

  static final String TEST_LABEL = "ocfs2iscsi.io/reconciler-test";
  static final int AGENT_PORT = 9443;
  static final Duration WAIT = Duration.ofSeconds(60);
  private static final AtomicInteger IDS = new AtomicInteger();

  /** The admin client of the server under test (shared; not closed by the scenarios). */
  protected abstract KubernetesClient client();

  /** A client of its own for one operator instance, closed when that instance is killed. */
  protected abstract KubernetesClient newClient();

  /** A namespace for claims and Leases that exists for the test. */
  protected abstract String namespace();

  protected abstract boolean serverSideApply();

  /** Waits until the PV is Bound to its claim (real binder), or marks it so (mock server). */
  protected abstract void bound(String pvName);

  /** After the claim is deleted: waits until the PV is Released (real binder), or marks it so (mock server). */
  protected abstract void released(String pvName);

  /** What happens to a volume the schema forbids: the mock stores it, a real server refuses it. */
  protected abstract void invalidVolumeIsRefusedOrReported(IscsiSharedVolume invalid);

  /** Plays kubelet for the scenario's nodes (with heartbeats where a node lifecycle controller runs). */
  protected abstract FakeKubelets kubelets();

  protected String id;
  protected FakeSan san;
  protected FakeNodeAgents agents;
  private final List<Runnable> undo = new ArrayList<>();
  private final List<Instance> runtimes = new ArrayList<>();
  private int ipBlock;

  /** An operator instance and the client it alone uses (closed when the instance is killed). */
  record Instance(OperatorRuntime runtime, KubernetesClient client, java.util.concurrent.atomic.AtomicBoolean dead) {
    void kill() {
      if (dead.compareAndSet(false, true)) {
        // Informers stop first (a client closed under open watches stalls the mock server), then the client, so
        // that a reconcile still running in the dead instance cannot write any more.
        runtime.close();
        client.close();
      }
    }

    long reconciles() {
      return runtime.metrics().reconciles("IscsiSharedVolume");
    }
  }

  @BeforeEach
  void freshWorld() {
    id = "r" + ProcessHandle.current().pid() % 10000 + "x" + IDS.incrementAndGet();
    san = new FakeSan();
    agents = new FakeNodeAgents();
    ipBlock = IDS.get() % 250;
  }

  @AfterEach
  void tearDown() {
    runtimes.forEach(Instance::kill);
    runtimes.clear();
    for (int i = undo.size() - 1; i >= 0; i--) {
      try {
        undo.get(i).run();
      } catch (RuntimeException e) {
        System.err.println("cleanup: " + e);
      }
    }
    undo.clear();
    agents.close();
  }

  // ------------------------------------------------------------------------------------------------ scenarios

  @Test
  void createFormatsOncePublishesAndBecomesReady() {
    Ocfs2Cluster cluster = cluster();
    node(1);
    node(2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});

    Ocfs2Cluster c = awaitCluster(cluster, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    assertThat(c.getStatus().getMembers()).extracting(ClusterMemberStatus::getNodeName, ClusterMemberStatus::getNumber,
            ClusterMemberStatus::getAddress, m -> m.getState().name())
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(nodeName(1), 0, address(1), "Applied"),
            org.assertj.core.groups.Tuple.tuple(nodeName(2), 1, address(2), "Applied"));
    for (int n = 1; n <= 2; n++) {
      ApplyClusterRequest applied = agents.node(nodeName(n)).lastApplied();
      assertThat(applied.getClusterName()).isEqualTo(cluster.getSpec().getClusterName());
      assertThat(applied.getMembersList()).extracting(m -> m.getNodeName() + "=" + m.getNumber() + "@" + m.getAddress())
          .containsExactly(nodeName(1) + "=0@" + address(1), nodeName(2) + "=1@" + address(2));
    }

    IscsiSharedVolume v = awaitVolume(volume, x -> x.getStatus().getFormatted() != null
        && Conditions.isTrue(x.getStatus().getConditions(), "Published"));
    assertThat(v.getStatus().getFormatted().getNode()).as("formatted on the lowest-numbered member")
        .isEqualTo(nodeName(1));
    assertThat(v.getStatus().getFormatted().getAdopted()).isFalse();
    assertThat(v.getStatus().getFormatted().getUuid()).isNotBlank();
    assertThat(v.getStatus().getWwid()).startsWith("36001405fake");
    assertThat(san.mkfsCount(lunKey(volume))).isEqualTo(1);

    PersistentVolume pv = client().persistentVolumes().withName(volume.getMetadata().getName()).get();
    assertThat(pv.getSpec().getCsi().getDriver()).isEqualTo(CsiDriver.NAME);
    assertThat(pv.getSpec().getCsi().getVolumeHandle()).isEqualTo(volume.getMetadata().getName());
    assertThat(pv.getSpec().getAccessModes()).containsExactly("ReadWriteMany");
    assertThat(pv.getSpec().getPersistentVolumeReclaimPolicy()).isEqualTo("Retain");
    assertThat(pv.getSpec().getClaimRef().getNamespace()).isEqualTo(namespace());
    assertThat(pv.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getName()).isEqualTo(volume.getMetadata().getName()));
    PersistentVolumeClaim pvc = claim(volume);
    assertThat(pvc).isNotNull();
    assertThat(pvc.getSpec().getVolumeName()).isEqualTo(pv.getMetadata().getName());
    bound(pv.getMetadata().getName());

    // kubelet stages the volume on both nodes: every mounting node has all paths -> Ready.
    mount(1, 2);
    IscsiSharedVolume ready = awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready")
        && x.getStatus().getNodesMounted() == 2);
    assertThat(ready.getStatus().getPaths()).isEqualTo("4/4");
    assertThat(Conditions.isTrue(ready.getStatus().getConditions(), "Degraded")).isFalse();
    assertThat(ready.getStatus().getConditions()).allSatisfy(
        cond -> assertThat(cond.getObservedGeneration()).isEqualTo(ready.getMetadata().getGeneration()));
    assertThat(events(volume.getMetadata().getName(), "Formatted")).hasSize(1);
    assertThat(totalFormatCalls()).isEqualTo(1);
  }

  @Test
  void aUserStackClusterFormatsForItsStackAndRefusesAStackChangeOnceFormatted() {
    Ocfs2Cluster cluster = cluster(c -> c.getSpec().setStack(Ocfs2ClusterSpec.Stack.USER));
    node(1);
    node(2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});

    IscsiSharedVolume v = awaitVolume(volume, x -> x.getStatus().getFormatted() != null
        && Conditions.isTrue(x.getStatus().getConditions(), "Published"));
    assertThat(v.getStatus().getFormatted().getClusterStack()).isEqualTo("user");
    assertThat(agents.node(nodeName(1)).lastApplied().getStack()).isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    assertThat(agents.node(nodeName(1)).lastFormat.getVolume().getFilesystem().getClusterStack())
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    PersistentVolume pv = client().persistentVolumes().withName(volume.getMetadata().getName()).get();
    assertThat(pv.getSpec().getCsi().getVolumeAttributes()).containsEntry("clusterStack", "user");

    assertThat(agents.node(nodeName(1)).lastInfoRequest.getStack()).as("nodes asked for the user stack's needs")
        .isEqualTo(ClusterStackKind.CLUSTER_STACK_USER);
    // Every member gets the cluster's corosync authkey, kept in a Secret the cluster owns, and nowhere else.
    com.google.protobuf.ByteString key = agents.node(nodeName(1)).lastApplied().getCorosyncAuthkey();
    assertThat(io.ocfs2iscsi.contract.UserStackRules.validAuthKey(key.toByteArray())).as("authkey sent").isTrue();
    assertThat(agents.node(nodeName(2)).lastApplied().getCorosyncAuthkey()).isEqualTo(key);
    io.fabric8.kubernetes.api.model.Secret secret = client().secrets().inNamespace(namespace())
        .withName("corosync-authkey-" + cluster.getMetadata().getName()).get();
    assertThat(secret).as("the authkey's Secret").isNotNull();
    assertThat(java.util.Base64.getDecoder().decode(secret.getData().get("authkey"))).isEqualTo(key.toByteArray());
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getUid()).isEqualTo(cluster.getMetadata().getUid()));
    String keyText = key.toStringUtf8();
    String clusterJson = io.fabric8.kubernetes.client.utils.Serialization.asJson(
        client().resources(Ocfs2Cluster.class).withName(cluster.getMetadata().getName()).get());
    assertThat(clusterJson).doesNotContain(keyText.substring(0, 24));
    assertThat(client().v1().events().inAnyNamespace().list().getItems())
        .allSatisfy(e -> assertThat(e.getMessage()).doesNotContain(keyText.substring(0, 24)));
    int appliesBefore = agents.node(nodeName(1)).applied.size();

    client().resources(Ocfs2Cluster.class).withName(cluster.getMetadata().getName())
        .edit(c -> {
          c.getSpec().setStack(Ocfs2ClusterSpec.Stack.O2CB);
          return c;
        });

    Ocfs2Cluster refused = awaitCluster(cluster, x -> "StackChangeRefused".equals(
        Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(refused.getStatus().getConditions()).filteredOn(c -> c.getType().equals("Ready")).singleElement()
        .satisfies(c -> assertThat(c.getMessage()).contains("spec.stack").contains(volume.getMetadata().getName())
            .contains("o2cluster -u"));
    assertThat(agents.node(nodeName(1)).applied).hasSize(appliesBefore);
    awaitVolume(volume, x -> "ClusterStackChanged".equals(
        Conditions.reason(x.getStatus().getConditions(), "Ready")));
  }

  @Test
  void aSecondReconcileAndARestartFormatNothing() {
    Ocfs2Cluster cluster = cluster();
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});
    IscsiSharedVolume ready = awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    String uuid = ready.getStatus().getFormatted().getUuid();
    String transition = Conditions.find(ready.getStatus().getConditions(), "Ready").get().getLastTransitionTime();

    // A spec-neutral change and many health polls later: still one FormatVolume call.
    touch(volume);
    int polls = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= polls + 3);
    assertThat(totalFormatCalls()).isEqualTo(1);

    // A restarted operator (new identity) finds status.formatted and formats nothing either.
    kill(0);
    start("op-b");
    int polls2 = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= polls2 + 3);
    IscsiSharedVolume after = get(volume);
    assertThat(totalFormatCalls()).isEqualTo(1);
    assertThat(san.mkfsCount(lunKey(volume))).isEqualTo(1);
    assertThat(after.getStatus().getFormatted().getUuid()).isEqualTo(uuid);
    assertThat(Conditions.find(after.getStatus().getConditions(), "Ready").get().getLastTransitionTime())
        .as("lastTransitionTime carried forward while Ready stays True").isEqualTo(transition);
    assertThat(cluster).isNotNull();
  }

  @Test
  void aNodeJoinsTheRunningClusterAndNumbersStayStable() {
    Ocfs2Cluster cluster = cluster();
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    String revision2 = get(cluster).getStatus().getRevision();

    node(3);
    Ocfs2Cluster three = awaitCluster(cluster, x -> x.getStatus().getMembers().size() == 3
        && Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    assertThat(numbers(three)).isEqualTo(Map.of(nodeName(1), 0, nodeName(2), 1, nodeName(3), 2));
    assertThat(three.getStatus().getRevision()).isNotEqualTo(revision2);
    for (int n = 1; n <= 3; n++) {
      ApplyClusterRequest last = agents.node(nodeName(n)).lastApplied();
      assertThat(last.getRevision()).as("node %d runs the current member list", n)
          .isEqualTo(three.getStatus().getRevision());
      assertThat(last.getMembersCount()).isEqualTo(3);
    }
    assertThat(agents.node(nodeName(1)).applied).as("node 1 applied the new list on top of the old one").hasSize(2);
    assertThat(events(cluster.getMetadata().getName(), "NodeJoined"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains(nodeName(3)).contains("o2cb node 2"));
    awaitVolume(volume, x -> x.getStatus() != null && x.getStatus().getNodes().size() == 3);

    // Node 2 leaves the selector but still mounts the volume: its number is held, the next node gets 3.
    client().nodes().withName(nodeName(2)).edit(n -> {
      n.getMetadata().getLabels().remove(TEST_LABEL);
      return n;
    });
    awaitCluster(cluster, x -> state(x, nodeName(2)).equals("Held"));
    node(4);
    Ocfs2Cluster four = awaitCluster(cluster, x -> state(x, nodeName(4)).equals("Applied"));
    assertThat(numbers(four)).containsEntry(nodeName(4), 3).containsEntry(nodeName(2), 1);
    assertThat(events(cluster.getMetadata().getName(), "NodeLeft"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains(nodeName(2)));

    // Once it unmounted and its Node is gone, number 1 is free again.
    agents.node(nodeName(2)).mounted = false;
    deleteNode(2);
    Ocfs2Cluster released = awaitCluster(cluster, x -> !numbers(x).containsKey(nodeName(2)));
    assertThat(numbers(released)).isEqualTo(Map.of(nodeName(1), 0, nodeName(3), 2, nodeName(4), 3));
    assertThat(events(cluster.getMetadata().getName(), "NumberReleased"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains("number 1 of " + nodeName(2)));
    node(5);
    assertThat(numbers(awaitCluster(cluster, x -> numbers(x).containsKey(nodeName(5)))))
        .containsEntry(nodeName(5), 1);
  }

  @Test
  void aNodeThatStopsAnsweringWhileMountedKeepsItsNumberAfterItsNodeIsDeleted() {
    Ocfs2Cluster cluster = cluster();
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready")
        && x.getStatus().getNodesMounted() == 2);

    // Node 2 drops off the network with the volume mounted (it may still write its disk heartbeat), and its Node
    // object is deleted (by an administrator or a cloud controller). Nobody heard it unmount.
    agents.node(nodeName(2)).reachable = false;
    awaitVolume(volume, x -> "NodeUnreachable".equals(Conditions.reason(x.getStatus().getConditions(), "Degraded")));
    deleteNode(2);
    awaitCluster(cluster, x -> !state(x, nodeName(2)).equals("Unreachable"));
    node(3);
    Ocfs2Cluster three = awaitCluster(cluster, x -> state(x, nodeName(3)).equals("Applied"));

    assertThat(numbers(three)).as("o2cb numbers once node 2's Node is gone")
        .containsEntry(nodeName(2), 1).containsEntry(nodeName(3), 2);
    assertThat(state(three, nodeName(2))).isEqualTo("Held");
    // Held, it no longer counts for the volume's health; its silence is kept in status.nodes.
    IscsiSharedVolume ready = awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    assertThat(ready.getStatus().getNodes()).anySatisfy(n -> {
      assertThat(n.getNode()).isEqualTo(nodeName(2));
      assertThat(n.getHeld()).isTrue();
      assertThat(n.getMounted()).isNull();
    });

    // The administrator powers node 2 off and lists it as fenced: only then is number 1 free.
    client().resources(Ocfs2Cluster.class).withName(cluster.getMetadata().getName()).edit(c -> {
      c.getSpec().setFencedNodes(List.of(nodeName(2)));
      return c;
    });
    Ocfs2Cluster fenced = awaitCluster(cluster, x -> !numbers(x).containsKey(nodeName(2)));
    assertThat(numbers(fenced)).isEqualTo(Map.of(nodeName(1), 0, nodeName(3), 2));
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(cluster.getMetadata().getName(), "NumberReleased"))
        .anySatisfy(e -> assertThat(e.getMessage()).contains(nodeName(2)).contains("spec.fencedNodes")));
  }

  @Test
  void aMountingNodeThatDiesIsNamedLostAndOnceMarkedOutOfServiceItsNumberIsReleasedAndItRejoinsAsANewMember() {
    // deadThreshold 3: o2cb's dead time is 4 s, so the release after the taint comes within the test's patience
    // (timeoutCheck Warn: the example's path failover is longer than that).
    Ocfs2Cluster cluster = cluster();
    client().resources(Ocfs2Cluster.class).withName(cluster.getMetadata().getName()).edit(c -> {
      c.getSpec().getHeartbeat().setDeadThreshold(3);
      return c;
    });
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> v.getSpec().setTimeoutCheck(TimeoutCheck.Warn));
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready")
        && x.getStatus().getNodesMounted() == 2);

    // Node 2 dies with the volume mounted: its agent is silent and its Node turns Ready=Unknown.
    agents.node(nodeName(2)).reachable = false;
    kubelets().dies(nodeName(2));
    IscsiSharedVolume lost = awaitVolume(volume,
        x -> "NodeLost".equals(Conditions.reason(x.getStatus().getConditions(), "Degraded")));
    assertThat(lost.getStatus().getNodes()).anySatisfy(n -> {
      assertThat(n.getNode()).isEqualTo(nodeName(2));
      assertThat(n.getState()).isEqualTo(io.ocfs2iscsi.operator.api.v1alpha1.NodeVolumeStatus.State.Lost);
      assertThat(n.getProblems().get(0)).contains("Ready=Unknown").contains("o2cb node number 1 stays held");
    });
    assertThat(Conditions.isTrue(lost.getStatus().getConditions(), "Ready")).as("node 1 serves").isTrue();
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "NodeLost"))
        .singleElement().satisfies(e -> {
          assertThat(e.getType()).isEqualTo("Warning");
          assertThat(e.getMessage()).contains(nodeName(2));
        }));
    assertThat(numbers(get(cluster))).as("its number stays held").containsEntry(nodeName(2), 1);

    // The administrator powers it off for good and marks it out of service.
    kubelets().taint(nodeName(2), io.ocfs2iscsi.operator.desired.NodeLoss.OUT_OF_SERVICE, "nodeshutdown",
        "NoExecute");
    Ocfs2Cluster released = awaitCluster(cluster, x -> !numbers(x).containsKey(nodeName(2)));
    assertThat(numbers(released)).isEqualTo(Map.of(nodeName(1), 0));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(events(cluster.getMetadata().getName(), "NodeOutOfService")).singleElement()
          .satisfies(e -> assertThat(e.getMessage()).contains(nodeName(2)));
      assertThat(events(cluster.getMetadata().getName(), "NumberReleased")).anySatisfy(e -> assertThat(
          e.getMessage()).contains(nodeName(2)).contains("marked out of service"));
      assertThat(events(volume.getMetadata().getName(), "NodeGone")).singleElement()
          .satisfies(e -> assertThat(e.getMessage()).contains(nodeName(2)));
    });
    IscsiSharedVolume without = awaitVolume(volume, x -> x.getStatus().getNodes().stream()
        .noneMatch(n -> n.getNode().equals(nodeName(2))));
    assertThat(Conditions.reason(without.getStatus().getConditions(), "Degraded")).isEqualTo("AllPathsUp");

    // Repaired and booted, still tainted: not a member. Untainted: it joins as a new member.
    agents.node(nodeName(2)).reachable = true;
    kubelets().boots(nodeName(2));
    await().during(java.time.Duration.ofSeconds(2)).atMost(WAIT)
        .until(() -> !numbers(get(cluster)).containsKey(nodeName(2)));
    kubelets().untaint(nodeName(2), io.ocfs2iscsi.operator.desired.NodeLoss.OUT_OF_SERVICE);
    awaitCluster(cluster, x -> state(x, nodeName(2)).equals("Applied"));
  }

  @Test
  void aFailedPathDegradesTheReadyVolumeWithAnEventAndItsReturnClearsDegraded() {
    cluster();
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));

    agents.node(nodeName(1)).failedPaths = 1;
    IscsiSharedVolume degraded = awaitVolume(volume,
        x -> Conditions.isTrue(x.getStatus().getConditions(), "Degraded"));
    assertThat(Conditions.reason(degraded.getStatus().getConditions(), "Degraded")).isEqualTo("PathDown");
    assertThat(Conditions.find(degraded.getStatus().getConditions(), "Degraded").get().getMessage())
        .contains(nodeName(1));
    assertThat(Conditions.isTrue(degraded.getStatus().getConditions(), "Ready"))
        .as("the other path still serves node 1: Ready stays True while Degraded").isTrue();
    assertThat(degraded.getStatus().getPaths()).isEqualTo("3/4");
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "PathLost"))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains(nodeName(1))));
    assertThat(runtimes.get(0).runtime().metrics().render())
        .contains("ocfs2iscsi_volume_paths{volume=\"" + volume.getMetadata().getName() + "\",state=\"down\"} 1")
        .contains("ocfs2iscsi_volume_condition{volume=\"" + volume.getMetadata().getName() + "\",type=\"Degraded\"} 1")
        .contains("ocfs2iscsi_volume_condition{volume=\"" + volume.getMetadata().getName() + "\",type=\"Ready\"} 1")
        .containsPattern("ocfs2iscsi_reconcile_duration_seconds_count\\{kind=\"IscsiSharedVolume\"} [1-9]");

    // Several polls while the path stays down: still one event.
    int polls = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= polls + 3);
    assertThat(events(volume.getMetadata().getName(), "PathLost")).hasSize(1);

    agents.node(nodeName(1)).failedPaths = 0;
    IscsiSharedVolume back = awaitVolume(volume,
        x -> "AllPathsUp".equals(Conditions.reason(x.getStatus().getConditions(), "Degraded")));
    assertThat(Conditions.isTrue(back.getStatus().getConditions(), "Ready")).isTrue();
    assertThat(back.getStatus().getPaths()).isEqualTo("4/4");
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "PathBack"))
        .hasSize(1));
  }

  @Test
  void aLargerCapacityWaitsForTheLunThenGrowsOnceOnlineAndASmallerOneIsRefused() {
    cluster();
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> v.getSpec().getPersistentVolume().setCapacity("2Gi"));
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    String pvName = volume.getSpec().getPersistentVolume().getName();

    // The user raises the capacity before the SAN grew the LUN: a condition, nothing grows.
    capacity(volume, "3Gi");
    IscsiSharedVolume waiting = awaitVolume(volume,
        x -> "WaitingForLun".equals(Conditions.reason(x.getStatus().getConditions(), "Growing")));
    assertThat(Conditions.isTrue(waiting.getStatus().getConditions(), "Growing")).isTrue();
    assertThat(Conditions.find(waiting.getStatus().getConditions(), "Growing").get().getMessage())
        .contains("spec.persistentVolume.capacity asks for 3Gi").contains(nodeName(1)).contains(nodeName(2))
        .contains("grow the LUN on the SAN first");
    assertThat(Conditions.isTrue(waiting.getStatus().getConditions(), "Ready")).as("it keeps serving").isTrue();
    assertThat(san.growCount(lunKey(volume))).isZero();
    assertThat(client().persistentVolumes().withName(pvName).get().getSpec().getCapacity().get("storage"))
        .isEqualTo(new Quantity("2Gi"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "WaitingForLun"))
        .hasSize(1));

    // The SAN administrator grows the LUN: every mounting node rescans, exactly one grows the filesystem.
    san.growLun(lunKey(volume), 3L << 30);
    IscsiSharedVolume grown = awaitVolume(volume,
        x -> "Grown".equals(Conditions.reason(x.getStatus().getConditions(), "Growing")));
    assertThat(Conditions.isTrue(grown.getStatus().getConditions(), "Growing")).isFalse();
    assertThat(grown.getStatus().getFilesystemBytes()).isEqualTo(3L << 30);
    assertThat(Conditions.find(grown.getStatus().getConditions(), "Growing").get().getMessage())
        .contains("node " + nodeName(1) + " grew the filesystem online").contains(nodeName(2) + " 3221225472 bytes")
        .contains("2Gi -> 3Gi");
    assertThat(client().persistentVolumes().withName(pvName).get().getSpec().getCapacity().get("storage"))
        .isEqualTo(new Quantity("3Gi"));
    assertThat(san.growCount(lunKey(volume))).isEqualTo(1);
    assertThat(agents.node(nodeName(1)).expandCalls).containsOnlyOnce(true);
    assertThat(agents.node(nodeName(2)).expandCalls).doesNotContain(true).contains(false);
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "Grown"))
        .hasSize(1));

    // Later reconciles grow nothing again.
    int calls = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= calls + 2);
    assertThat(san.growCount(lunKey(volume))).isEqualTo(1);

    // Shrinking is refused, naming the field and the rule; the PV keeps its capacity.
    capacity(volume, "1Gi");
    IscsiSharedVolume refused = awaitVolume(volume,
        x -> "ShrinkRefused".equals(Conditions.reason(x.getStatus().getConditions(), "Growing")));
    assertThat(Conditions.find(refused.getStatus().getConditions(), "Growing").get().getMessage())
        .startsWith("spec.persistentVolume.capacity: 1Gi is smaller than the volume's current capacity 3Gi");
    assertThat(client().persistentVolumes().withName(pvName).get().getSpec().getCapacity().get("storage"))
        .isEqualTo(new Quantity("3Gi"));
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "ShrinkRefused"))
        .hasSize(1));
  }

  void capacity(IscsiSharedVolume volume, String capacity) {
    client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).edit(v -> {
      v.getSpec().getPersistentVolume().setCapacity(capacity);
      return v;
    });
  }

  @Test
  void chapSecretsAreReadOnlyInTheAllowedNamespaces() {
    cluster();
    node(1);
    start("op-a");
    String secret = "chap-" + id;
    client().secrets().inNamespace(namespace()).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName(secret).withNamespace(namespace()).endMetadata()
        .withType("kubernetes.io/iscsi-chap")
        .addToStringData(io.ocfs2iscsi.contract.ChapSecretKeys.SESSION_USERNAME, "initiator-" + id)
        .addToStringData(io.ocfs2iscsi.contract.ChapSecretKeys.SESSION_PASSWORD, "s3cret-" + id)
        .build()).create();
    undo.add(() -> client().secrets().inNamespace(namespace()).withName(secret).delete());

    // A Secret in the operator's own namespace (the chart's default) is read and passed to FormatVolume.
    IscsiSharedVolume allowed = volume(v -> v.getSpec().getTarget().setChapSecretRef(
        new io.ocfs2iscsi.operator.api.v1alpha1.SecretReference(namespace(), secret)));
    awaitVolume(allowed, x -> Conditions.isTrue(x.getStatus().getConditions(), "Published"));
    assertThat(agents.node(nodeName(1)).lastFormatSecrets)
        .containsEntry(io.ocfs2iscsi.contract.ChapSecretKeys.SESSION_USERNAME, "initiator-" + id);

    // A reference into any other namespace is refused before anything is read, formatted or published.
    String elsewhere = "tenant-" + id;
    IscsiSharedVolume refused = volume(v -> {
      renamed(v, "v-" + id + "-other");
      v.getSpec().getTarget().setLun(2);
      v.getSpec().getTarget().setChapSecretRef(new io.ocfs2iscsi.operator.api.v1alpha1.SecretReference(elsewhere,
          secret));
    });
    IscsiSharedVolume stopped = awaitVolume(refused,
        x -> "ChapSecretNamespaceNotAllowed".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(stopped.getStatus().getConditions(), "Ready").get().getMessage())
        .contains("spec.target.chapSecretRef.namespace").contains(elsewhere).contains(namespace())
        .doesNotContain("s3cret");
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(refused.getMetadata().getName(),
        "ChapSecretNamespaceNotAllowed")).hasSize(1));
    assertThat(totalFormatCalls()).isEqualTo(1);
    assertThat(client().persistentVolumes().withName(refused.getMetadata().getName()).get()).isNull();
  }

  @Test
  void anInvalidSpecIsReportedOrRefusedNamingTheField() {
    cluster();
    node(1);
    start("op-a");
    IscsiSharedVolume invalid = volumeObject(v -> v.getSpec().getTarget().setIqn("iqn.2016-13.local.virtual:bad"));
    invalidVolumeIsRefusedOrReported(invalid);
    assertThat(totalFormatCalls()).isZero();
  }

  @Test
  void aUserStackClusterWithoutFencingStopsAVolumeWhoseQueueOutlastsTheMembershipChange() {
    cluster(c -> {
      c.getSpec().setStack(Ocfs2ClusterSpec.Stack.USER);
      c.getSpec().getUserStack().setFencing(io.ocfs2iscsi.operator.api.v1alpha1.UserStackSpec.Fencing.Disabled);
    });
    node(1);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});

    IscsiSharedVolume stopped = awaitVolume(volume,
        x -> "TimeoutsIncoherent".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(stopped.getStatus().getConditions(), "Ready").get().getMessage())
        .contains("fencing Disabled", "spec.userStack.tokenMs 3000", "at least 14546");
    assertThat(totalFormatCalls()).isZero();
  }

  @Test
  void incoherentTimeoutsStopTheVolumeWithTheNumbers() {
    cluster();
    node(1);
    node(2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> v.getSpec().getMultipath().setNoPathRetry("queue"));

    IscsiSharedVolume stopped = awaitVolume(volume,
        x -> "TimeoutsIncoherent".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    Condition coherent = Conditions.find(stopped.getStatus().getConditions(), "TimeoutsCoherent").get();
    assertThat(coherent.getStatus()).isEqualTo("False");
    assertThat(Conditions.find(stopped.getStatus().getConditions(), "Ready").get().getMessage())
        .contains("queue").contains("32 s");
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "TimeoutsIncoherent"))
        .hasSize(1));
    assertThat(totalFormatCalls()).isZero();
    assertThat(client().persistentVolumes().withName(volume.getMetadata().getName()).get()).isNull();

    // The user opts in: the volume goes on, with the warning kept in TimeoutsCoherent.
    client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).edit(v -> {
      v.getSpec().setTimeoutCheck(io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec.TimeoutCheck.Warn);
      return v;
    });
    IscsiSharedVolume accepted = awaitVolume(volume,
        x -> Conditions.isTrue(x.getStatus().getConditions(), "Published"));
    assertThat(Conditions.isTrue(accepted.getStatus().getConditions(), "TimeoutsCoherent")).isFalse();
    assertThat(totalFormatCalls()).isEqualTo(1);
  }

  @Test
  void moreMembersThanNodeSlotsUnderTheManualPolicyIsReportedWithTheRemedy() {
    cluster();
    node(1);
    node(2);
    node(3);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {
      v.getSpec().getFilesystem().setNodeSlots(2);
      v.getSpec().getFilesystem().setNodeSlotsPolicy(FilesystemSpec.NodeSlotsPolicy.Manual);
    });

    IscsiSharedVolume full = awaitVolume(volume,
        x -> "NodeSlotsExceeded".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(full.getStatus().getConditions(), "Ready").get().getMessage())
        .contains("3 nodes").contains("2 node slots").contains("nodeSlotsPolicy: Manual")
        .contains("tunefs.ocfs2 -N 3 /dev/mapper/" + volume.getMetadata().getName())
        // tunefs.ocfs2 -N refuses a filesystem mounted anywhere (measured on the real kernel: exit 25, "Trylock
        // failed while opening device"): the remedy must not say to run it on a node that mounts it.
        .contains("while no node mounts it").doesNotContain("on one node that mounts it");
    assertThat(Conditions.isTrue(full.getStatus().getConditions(), "Published"))
        .as("published anyway: the first two nodes can mount").isTrue();
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "NodeSlotsExceeded"))
        .hasSize(1));
    assertThat(agents.all()).allSatisfy(a -> assertThat(a.slotCalls).as("SetNodeSlots on %s", a.node).isEmpty());
    assertThat(san.slots(lunKey(volume))).isEqualTo(2);
  }

  /**
   * Automatic (the default): while nodes mount the volume the operator only says it will add the slots; once none
   * does, one member adds them (SetNodeSlots), the count is recorded and NodeSlotsExceeded lifts.
   */
  @Test
  void moreMembersThanNodeSlotsGetSlotsAddedOnceNoNodeMountsTheVolume() {
    cluster();
    node(1);
    node(2);
    node(3);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> v.getSpec().getFilesystem().setNodeSlots(2));

    IscsiSharedVolume full = awaitVolume(volume,
        x -> "NodeSlotsExceeded".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(full.getStatus().getConditions(), "Ready").get().getMessage())
        .contains("3 nodes").contains("2 node slots")
        .contains("the operator adds slots (2 -> 3) as soon as no node mounts the volume")
        .contains("mounted on " + nodeName(1) + ", " + nodeName(2))
        .doesNotContain("run `tunefs.ocfs2");
    assertThat(full.getStatus().getFormatted().getNodeSlots()).isEqualTo(2);
    touch(volume);
    awaitVolume(volume, x -> x.getStatus() != null && x.getStatus().getNodes().size() == 3);
    assertThat(agents.all()).allSatisfy(a -> assertThat(a.slotCalls).as("SetNodeSlots on %s while mounted", a.node)
        .isEmpty());

    agents.node(nodeName(1)).mounted = false;
    agents.node(nodeName(2)).mounted = false;
    touch(volume);
    IscsiSharedVolume added = awaitVolume(volume,
        x -> x.getStatus() != null && x.getStatus().getFormatted() != null
            && Integer.valueOf(3).equals(x.getStatus().getFormatted().getNodeSlots()));
    assertThat(san.slots(lunKey(volume))).isEqualTo(3);
    assertThat(san.slotChanges(lunKey(volume))).as("tunefs.ocfs2 -N ran once").isEqualTo(1);
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "NodeSlotsAdded"))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains("2 -> 3")));
    IscsiSharedVolume ready = awaitVolume(volume,
        x -> !"NodeSlotsExceeded".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.reason(ready.getStatus().getConditions(), "Ready")).isNotEqualTo("NodeSlotsExceeded");
    assertThat(added.getStatus().getFormatted().getNodeSlots()).isEqualTo(3);
  }

  /** An adopted filesystem made with more slots than spec.filesystem.nodeSlots: its own count is what counts. */
  @Test
  void anAdoptedFilesystemsOwnSlotCountIsRecordedAndNoSlotsAreAdded() {
    cluster();
    node(1);
    node(2);
    node(3);
    IscsiSharedVolume object = volumeObject(v -> v.getSpec().getFilesystem().setNodeSlots(2));
    String key = lunKey(object);
    san.put(key, new FakeSan.Filesystem("ocfs2", "0A0B0C0D-0000-4000-8000-000000000008",
        object.getSpec().getFilesystem().getLabel(), ""));
    san.setSlots(key, 8);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> v.getSpec().getFilesystem().setNodeSlots(2));

    IscsiSharedVolume adopted = awaitVolume(volume, x -> x.getStatus() != null
        && x.getStatus().getFormatted() != null && x.getStatus().getNodes().size() == 3);
    assertThat(adopted.getStatus().getFormatted().getAdopted()).isTrue();
    assertThat(adopted.getStatus().getFormatted().getNodeSlots()).isEqualTo(8);
    assertThat(Conditions.reason(adopted.getStatus().getConditions(), "Ready")).isNotEqualTo("NodeSlotsExceeded");
    assertThat(agents.all()).allSatisfy(a -> assertThat(a.slotCalls).as("SetNodeSlots on %s", a.node).isEmpty());
  }

  @Test
  void deletingAVolumeWhosePvIsBoundWaitsNamingTheClaimAndTouchesNoData() {
    cluster();
    node(1);
    node(2);
    mount(1, 2);
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});
    awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    String pvName = volume.getMetadata().getName();
    bound(pvName);
    int formats = totalFormatCalls();

    client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).delete();
    IscsiSharedVolume waiting = awaitVolume(volume,
        x -> "ClaimStillBound".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(waiting.getMetadata().getDeletionTimestamp()).isNotNull();
    String claim = namespace() + "/" + volume.getSpec().getPersistentVolume().getClaim().getName();
    assertThat(Conditions.find(waiting.getStatus().getConditions(), "Ready").get().getMessage()).contains(claim);
    assertThat(client().persistentVolumes().withName(pvName).get()).isNotNull();
    await().atMost(WAIT).untilAsserted(() -> assertThat(events(volume.getMetadata().getName(), "ClaimStillBound"))
        .singleElement().satisfies(e -> assertThat(e.getMessage()).contains(claim)));

    client().persistentVolumeClaims().inNamespace(namespace())
        .withName(volume.getSpec().getPersistentVolume().getClaim().getName()).delete();
    released(pvName);
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).get())
            .isNull());
    assertThat(totalFormatCalls()).as("deletion never formats").isEqualTo(formats);
    assertThat(san.mkfsCount(lunKey(volume))).isEqualTo(1);
    assertThat(client().leases().inNamespace(namespace()).withName(FormatLease.leaseName(
        io.ocfs2iscsi.operator.desired.LunClaims.lunOf(volume).orElseThrow())).get())
        .as("the format Lease goes with the volume").isNull();
  }

  @Test
  void anOperatorRestartedInTheMiddleOfFormattingFormatsOnce() throws Exception {
    cluster();
    node(1);
    node(2);
    mount(1, 2);
    CountDownLatch gate = new CountDownLatch(1);
    agents.node(nodeName(1)).formatGate = gate;
    start("op-a");
    IscsiSharedVolume volume = volume(v -> {});
    assertThat(agents.node(nodeName(1)).formatEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("FormatVolume reached node 1").isTrue();

    // The operator dies while mkfs runs on the node; a new one (another identity) starts.
    kill(0);
    start("op-b");
    IscsiSharedVolume waiting = awaitVolume(volume,
        x -> "FormatInProgress".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(waiting.getStatus().getConditions(), "Ready").get().getMessage()).contains("op-a");
    assertThat(agents.node(nodeName(1)).formatCalls.get()).as("no second call while the Lease holds").isEqualTo(1);

    // The node finishes the first format; after the Lease expires the new operator probes and adopts it.
    gate.countDown();
    IscsiSharedVolume ready = awaitVolume(volume, x -> Conditions.isTrue(x.getStatus().getConditions(), "Ready"));
    assertThat(san.mkfsCount(lunKey(volume))).as("mkfs ran once").isEqualTo(1);
    assertThat(ready.getStatus().getFormatted().getAdopted()).isTrue();
    assertThat(events(volume.getMetadata().getName(), "Adopted")).hasSize(1);
  }

  @Test
  void twoVolumesOnOneLunFormatOnceAndTheYoungerIsRefusedNamingTheOlder() throws Exception {
    cluster();
    node(1);
    node(2);
    CountDownLatch gate = new CountDownLatch(1);
    agents.node(nodeName(1)).formatGate = gate;
    start("op-a");
    IscsiSharedVolume older = volume(v -> {});
    IscsiSharedVolume younger = volume(v -> renamed(v, "v-" + id + "-b"));
    assertThat(agents.node(nodeName(1)).formatEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("FormatVolume reached node 1").isTrue();

    // While the first FormatVolume runs, nothing may start a second one on the same LUN.
    await().pollDelay(Duration.ofSeconds(3)).until(() -> true);
    assertThat(totalFormatCalls()).as("FormatVolume calls for one LUN while the first is in flight").isEqualTo(1);

    gate.countDown();
    IscsiSharedVolume refused = awaitVolume(younger,
        x -> "LunInUse".equals(Conditions.reason(x.getStatus().getConditions(), "Ready")));
    assertThat(Conditions.find(refused.getStatus().getConditions(), "Ready").get().getMessage())
        .contains(older.getMetadata().getName()).contains(older.getSpec().getTarget().getIqn());
    awaitVolume(older, x -> Conditions.isTrue(x.getStatus().getConditions(), "Published"));
    int polls = agents.node(nodeName(1)).healthCalls.get();
    await().atMost(WAIT).until(() -> agents.node(nodeName(1)).healthCalls.get() >= polls + 3);
    assertThat(totalFormatCalls()).isEqualTo(1);
    assertThat(san.mkfsCount(lunKey(older))).isEqualTo(1);
    assertThat(get(younger).getStatus().getFormatted()).isNull();
    assertThat(client().persistentVolumes().withName(younger.getMetadata().getName()).get())
        .as("no PersistentVolume for the refused volume").isNull();
  }

  @Test
  void aSlowFormatVolumeKeepsItsLeaseRenewedSoAnotherOperatorWaits() throws Exception {
    Duration lease = Duration.ofSeconds(6);
    cluster();
    node(1);
    node(2);
    CountDownLatch gate = new CountDownLatch(1);
    agents.node(nodeName(1)).formatGate = gate;
    start("op-a", settings("op-a").withFormatLease(lease), null);
    IscsiSharedVolume volume = volume(v -> {});
    assertThat(agents.node(nodeName(1)).formatEntered.await(WAIT.toSeconds(), TimeUnit.SECONDS))
        .as("FormatVolume reached node 1").isTrue();

    // A second instance (as after a split brain of leader election) sees the Lease held as long as op-a's call
    // runs, well past the Lease's own duration.
    start("op-b", settings("op-b").withFormatLease(lease), null);
    java.util.Set<String> renewals = new java.util.TreeSet<>();
    long until = System.nanoTime() + lease.multipliedBy(2).plusSeconds(3).toNanos();
    while (System.nanoTime() < until) {
      formatLeaseOf(volume).ifPresent(l -> renewals.add(String.valueOf(l.getSpec().getRenewTime())));
      Thread.sleep(200);
    }
    assertThat(totalFormatCalls()).as("FormatVolume calls while op-a's call runs").isEqualTo(1);
    assertThat(renewals).as("renew times of the format Lease during the call").hasSizeGreaterThanOrEqualTo(3);
    assertThat(formatLeaseOf(volume).get().getSpec().getHolderIdentity()).isEqualTo("op-a");

    gate.countDown();
    awaitVolume(volume, x -> x.getStatus().getFormatted() != null);
    String after = String.valueOf(formatLeaseOf(volume).get().getSpec().getRenewTime());
    await().pollDelay(lease.dividedBy(3).multipliedBy(2)).until(() -> true);
    assertThat(String.valueOf(formatLeaseOf(volume).get().getSpec().getRenewTime()))
        .as("no renewal once the call returned").isEqualTo(after);
    assertThat(san.mkfsCount(lunKey(volume))).isEqualTo(1);
  }

  // ------------------------------------------------------------------------------------------------ the world

  ReconcileSettings settings(String identity) {
    return ReconcileSettings.defaults(namespace(), identity)
        .withAgentPort(AGENT_PORT)
        .withHealthPoll(Duration.ofSeconds(1))
        .withClusterResync(Duration.ofSeconds(2))
        // Longer than stopping an operator takes (its blocked reconcile gets 5 s), short enough to wait out.
        .withFormatLease(Duration.ofSeconds(15))
        .withServerSideApply(serverSideApply());
  }

  Instance start(String identity) {
    return start(identity, null);
  }

  Instance start(String identity, OperatorRuntime.LeaderElection leaderElection) {
    return start(identity, settings(identity), leaderElection);
  }

  Instance start(String identity, ReconcileSettings settings, OperatorRuntime.LeaderElection leaderElection) {
    KubernetesClient own = newClient();
    Instance instance = new Instance(
        OperatorRuntime.create(own, agents.client(), settings, leaderElection, Clock.systemUTC()), own,
        new java.util.concurrent.atomic.AtomicBoolean());
    runtimes.add(instance);
    instance.runtime().start();
    return instance;
  }

  List<Instance> runtimes() {
    return runtimes;
  }

  /** Kills operator instance i. */
  void kill(int i) {
    runtimes.get(i).kill();
  }

  Ocfs2Cluster cluster() {
    return cluster(c -> {});
  }

  Ocfs2Cluster cluster(java.util.function.Consumer<Ocfs2Cluster> change) {
    Ocfs2Cluster c = ExampleResources.cluster();
    change.accept(c);
    c.getMetadata().setName("c-" + id);
    c.getSpec().setClusterName(id.length() > 16 ? id.substring(0, 16) : id);
    c.getSpec().setNodeSelector(Map.of(TEST_LABEL, id));
    c.getSpec().setAddressCidr(null);
    Ocfs2Cluster created = client().resource(c).create();
    undo.add(() -> client().resources(Ocfs2Cluster.class).withName(created.getMetadata().getName()).delete());
    return created;
  }

  IscsiSharedVolume volumeObject(java.util.function.Consumer<IscsiSharedVolume> change) {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getMetadata().setUid(null);
    v.getMetadata().setName("v-" + id);
    v.getSpec().getTarget().setIqn("iqn.2016-02.local.virtual:" + id);
    v.getSpec().getMultipath().setAlias(null);
    v.getSpec().getFilesystem().setClusterRef("c-" + id);
    v.getSpec().getPersistentVolume().setName("v-" + id);
    v.getSpec().getPersistentVolume().getClaim().setNamespace(namespace());
    v.getSpec().getPersistentVolume().getClaim().setName("shared-" + id);
    change.accept(v);
    return v;
  }

  IscsiSharedVolume volume(java.util.function.Consumer<IscsiSharedVolume> change) {
    IscsiSharedVolume created = client().resource(volumeObject(change)).create();
    String name = created.getMetadata().getName();
    undo.add(() -> {
      var isv = client().resources(IscsiSharedVolume.class).withName(name);
      if (isv.get() != null) {
        isv.edit(x -> {
          x.getMetadata().setFinalizers(List.of());
          return x;
        });
        isv.delete();
      }
      client().persistentVolumes().withName(name).delete();
    });
    return created;
  }

  /** Another volume of the scenario: its own name, alias, PersistentVolume and claim. */
  void renamed(IscsiSharedVolume v, String name) {
    v.getMetadata().setName(name);
    v.getSpec().getPersistentVolume().setName(name);
    v.getSpec().getPersistentVolume().getClaim().setName("shared-" + name);
  }

  /** The format Lease a volume took (found by its volume label, whatever the Lease is named after). */
  Optional<io.fabric8.kubernetes.api.model.coordination.v1.Lease> formatLeaseOf(IscsiSharedVolume v) {
    return client().leases().inNamespace(namespace()).withLabel("ocfs2iscsi.io/volume", v.getMetadata().getName())
        .list().getItems().stream().findFirst();
  }

  static String lunKey(IscsiSharedVolume v) {
    return FakeSan.key(v.getSpec().getTarget().getIqn(), v.getSpec().getTarget().getLun());
  }

  String nodeName(int n) {
    return id + "-n" + n;
  }

  String address(int n) {
    return "10.10.1." + (10 + n);
  }

  /** A Ready node that matches the cluster's selector, with the node plugin registered and its agent answering. */
  void node(int n) {
    String name = nodeName(n);
    String internalIp = "10.77." + ipBlock + "." + n;
    agents.add(internalIp + ":" + AGENT_PORT, new FakeNodeAgent(name, address(n), san));
    kubelets().register(name, Map.of(TEST_LABEL, id), internalIp);
    undo.add(() -> deleteNode(n));
  }

  void deleteNode(int n) {
    kubelets().remove(nodeName(n));
  }

  void mount(int... nodes) {
    for (int n : nodes) {
      agents.node(nodeName(n)).mounted = true;
    }
  }

  int totalFormatCalls() {
    int sum = 0;
    for (FakeNodeAgent a : agents.all()) {
      sum += a.formatCalls.get();
    }
    return sum;
  }

  void touch(IscsiSharedVolume volume) {
    client().resources(IscsiSharedVolume.class).withName(volume.getMetadata().getName()).edit(v -> {
      Map<String, String> annotations = new java.util.HashMap<>(Optional.ofNullable(v.getMetadata().getAnnotations())
          .orElse(Map.of()));
      annotations.put("test/touched", String.valueOf(System.nanoTime()));
      v.getMetadata().setAnnotations(annotations);
      return v;
    });
  }

  IscsiSharedVolume get(IscsiSharedVolume v) {
    return client().resources(IscsiSharedVolume.class).withName(v.getMetadata().getName()).get();
  }

  Ocfs2Cluster get(Ocfs2Cluster c) {
    return client().resources(Ocfs2Cluster.class).withName(c.getMetadata().getName()).get();
  }

  PersistentVolumeClaim claim(IscsiSharedVolume v) {
    return client().persistentVolumeClaims().inNamespace(namespace())
        .withName(v.getSpec().getPersistentVolume().getClaim().getName()).get();
  }

  IscsiSharedVolume awaitVolume(IscsiSharedVolume v, java.util.function.Predicate<IscsiSharedVolume> done) {
    return awaitStatus("volume " + v.getMetadata().getName(), () -> get(v), done);
  }

  Ocfs2Cluster awaitCluster(Ocfs2Cluster c, java.util.function.Predicate<Ocfs2Cluster> done) {
    return awaitStatus("cluster " + c.getMetadata().getName(), () -> get(c), done);
  }

  /** Polls until the object has a status that satisfies done; on timeout the failure shows the last status. */
  static <T extends io.fabric8.kubernetes.client.CustomResource<?, ?>> T awaitStatus(
      String what, java.util.function.Supplier<T> read, java.util.function.Predicate<T> done) {
    List<T> last = new ArrayList<>(java.util.Collections.singletonList(null));
    try {
      await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).until(() -> {
        T now = read.get();
        if (now != null) {
          last.set(0, now);
        }
        return now != null && now.getStatus() != null && done.test(now);
      });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(what + " never got there; last status: "
          + (last.get(0) == null ? "(none)" : io.fabric8.kubernetes.client.utils.Serialization.asYaml(
              last.get(0).getStatus())), e);
    }
    return last.get(0);
  }

  static Map<String, Integer> numbers(Ocfs2Cluster c) {
    return c.getStatus().getMembers().stream()
        .collect(Collectors.toMap(ClusterMemberStatus::getNodeName, ClusterMemberStatus::getNumber, (a, b) -> a,
            TreeMap::new));
  }

  static String state(Ocfs2Cluster c, String node) {
    return c.getStatus().getMembers().stream().filter(m -> m.getNodeName().equals(node)).findFirst()
        .map(m -> m.getState().name()).orElse("");
  }

  /** Events the operator recorded about an object, with one reason. */
  List<Event> events(String involvedName, String reason) {
    return client().v1().events().inNamespace(EventRecorder.EVENT_NAMESPACE).list().getItems().stream()
        .filter(e -> e.getInvolvedObject() != null && involvedName.equals(e.getInvolvedObject().getName())
            && reason.equals(e.getReason()))
        .toList();
  }
}
