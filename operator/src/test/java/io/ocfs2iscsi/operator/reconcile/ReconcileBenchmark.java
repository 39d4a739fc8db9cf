package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.ocfs2iscsi.contract.CsiDriver;
import io.ocfs2iscsi.operator.CommittedCrds;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.Ocfs2Cluster;
import io.ocfs2iscsi.operator.desired.ExampleResources;
import io.ocfs2iscsi.operator.run.OperatorRuntime;
import io.ocfs2iscsi.operator.status.Conditions;
import io.ocfs2iscsi.testsupport.ControlPlane;
import io.ocfs2iscsi.testsupport.FakeKubelets;
import io.ocfs2iscsi.testsupport.TestNamespace;
import io.ocfs2iscsi.testsupport.WithControlPlane;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (tag benchmark, run with {@code mvn -B -ntp -Pbenchmark -pl operator -am test}): 500 IscsiSharedVolumes
 * on a cluster of 50 members (fake node agents, every volume mounted on every member with all paths up) against the
 * real local control plane. Prints the time from the first create until every volume is Ready, and the heap of the
 * operator's JVM (which also holds the 50 fake agents and this test; the benchmark profile caps it at -Xmx256m, so a
 * run that completes shows the memory target). Targets: under 60 s and 256 MiB. The API server shares the machine's
 * cores with the operator here.
 */
@Tag("benchmark")
@WithControlPlane
class ReconcileBenchmark {

  static final int VOLUMES = Integer.getInteger("bench.volumes", 500);
  static final int MEMBERS = Integer.getInteger("bench.members", 50);

  @Test
  void fiveHundredVolumesOnFiftyMembers(ControlPlane controlPlane, TestNamespace ns) throws Exception {
    KubernetesClient client = controlPlane.client();
    CommittedCrds.install(client, "reconcile-benchmark");
    String id = "bench" + ProcessHandle.current().pid() % 10000;
    FakeSan san = new FakeSan();
    FakeNodeAgents agents = new FakeNodeAgents();
    try (FakeKubelets kubelets = new FakeKubelets(client, CsiDriver.NAME, true)) {
      for (int n = 1; n <= MEMBERS; n++) {
        String node = id + "-n" + n;
        String ip = "10.88." + (n / 250) + "." + (n % 250 + 1);
        agents.add(ip + ":9443", new FakeNodeAgent(node, "10.10." + (n / 250) + "." + (n % 250 + 1), san)).mounted =
            true;
        kubelets.register(node, Map.of(ReconcilerScenarios.TEST_LABEL, id), ip);
      }
      Ocfs2Cluster cluster = ExampleResources.cluster();
      cluster.getMetadata().setName("c-" + id);
      cluster.getSpec().setClusterName(id);
      cluster.getSpec().setNodeSelector(Map.of(ReconcilerScenarios.TEST_LABEL, id));
      cluster.getSpec().setAddressCidr(null);
      client.resource(cluster).create();

      ReconcileSettings settings = ReconcileSettings.defaults(ns.name(), "bench").withAgentPort(9443)
          .withServerSideApply(true);
      try (KubernetesClient own = controlPlane.newClient();
          OperatorRuntime operator = OperatorRuntime.create(own, agents.client(), settings, null, Clock.systemUTC())) {
        long ready;
        String summary;
        operator.start();
        // Progress comes from a watch (one event per status write), not from listing 500 volumes in a loop: a list
        // poll would load the API server and this JVM, whose heap is the one measured.
        Milestones progress = new Milestones(id + "-v");
        long start = System.nanoTime();
        try (Watch watch = client.resources(IscsiSharedVolume.class).watch(progress)) {
          // Created by 8 threads, as kubectl apply of many manifests or a GitOps tool would.
          ExecutorService creators = Executors.newFixedThreadPool(8);
          List<Future<?>> creates = new ArrayList<>();
          for (int i = 0; i < VOLUMES; i++) {
            String name = String.format(Locale.ROOT, "%s-v%03d", id, i);
            creates.add(creators.submit(() -> client.resource(volume(name, id)).create()));
          }
          for (Future<?> f : creates) {
            f.get();
          }
          creators.shutdown();
          double created = seconds(start);
          progress.awaitReady(VOLUMES, Duration.ofMinutes(10));
          ready = progress.ready();
          summary = String.format(Locale.ROOT, "  created all in        %6.1f s%n"
              + "  all Formatted after   %6.1f s%n  all Published after   %6.1f s%n"
              + "  all Ready after       %6.1f s   (target < 60 s)%n",
              created, progress.allAt("Formatted", VOLUMES, start), progress.allAt("Published", VOLUMES, start),
              progress.allAt("Ready", VOLUMES, start));
        }
        long peak = peakHeap();
        System.gc();
        long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "%nBENCHMARK reconcile: %d volumes on %d members (real kube-apiserver, SSA)%n",
            VOLUMES, MEMBERS);
        System.out.print(summary);
        System.out.printf(Locale.ROOT, "  mkfs runs             %6d%n", san.totalMkfs());
        System.out.printf(Locale.ROOT, "  heap after GC         %6.1f MiB (target < 256 MiB)%n", used / 1048576.0);
        System.out.printf(Locale.ROOT, "  peak heap (pools)     %6.1f MiB (-Xmx %d MiB)%n", peak / 1048576.0,
            Runtime.getRuntime().maxMemory() / 1048576);
        System.out.printf(Locale.ROOT, "  reconciles            %6d%n%n", operator.metrics().reconciles("IscsiSharedVolume"));
        assertThat(ready).as("volumes Ready within 10 minutes").isEqualTo(VOLUMES);
        assertThat(san.totalMkfs()).as("each volume formatted once").isEqualTo(VOLUMES);
      }
      for (int n = 1; n <= MEMBERS; n++) {
        kubelets.remove(id + "-n" + n);
      }
    } finally {
      agents.close();
    }
  }

  /** Counts, from watch events, when each volume of the run first had a condition True. */
  static final class Milestones implements Watcher<IscsiSharedVolume> {
    private final String prefix;
    private final Map<String, Map<String, Long>> firstTrue = new ConcurrentHashMap<>();

    Milestones(String prefix) {
      this.prefix = prefix;
    }

    @Override
    public void eventReceived(Action action, IscsiSharedVolume v) {
      if (!v.getMetadata().getName().startsWith(prefix) || v.getStatus() == null) {
        return;
      }
      long now = System.nanoTime();
      for (String type : List.of("Formatted", "Published", "Ready")) {
        if (Conditions.isTrue(v.getStatus().getConditions(), type)) {
          firstTrue.computeIfAbsent(type, t -> new ConcurrentHashMap<>()).putIfAbsent(v.getMetadata().getName(), now);
        }
      }
      synchronized (this) {
        notifyAll();
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      System.err.println("benchmark watch closed: " + cause);
    }

    long ready() {
      return firstTrue.getOrDefault("Ready", Map.of()).size();
    }

    synchronized void awaitReady(int count, Duration limit) throws InterruptedException {
      long deadline = System.nanoTime() + limit.toNanos();
      while (ready() < count && System.nanoTime() < deadline) {
        wait(500);
      }
    }

    /** Seconds from {@code start} until {@code count} volumes had {@code type} True; NaN when they never did. */
    double allAt(String type, int count, long start) {
      List<Long> times = new ArrayList<>(firstTrue.getOrDefault(type, Map.of()).values());
      if (times.size() < count) {
        return Double.NaN;
      }
      return (times.stream().mapToLong(Long::longValue).max().getAsLong() - start) / 1e9;
    }
  }

  private static IscsiSharedVolume volume(String name, String id) {
    IscsiSharedVolume v = ExampleResources.volume();
    v.getMetadata().setUid(null);
    v.getMetadata().setName(name);
    v.getSpec().getTarget().setIqn("iqn.2016-02.local.virtual:" + name);
    v.getSpec().getMultipath().setAlias(null);
    v.getSpec().getFilesystem().setClusterRef("c-" + id);
    v.getSpec().getFilesystem().setNodeSlots(MEMBERS + 2);
    v.getSpec().getPersistentVolume().setName(name);
    v.getSpec().getPersistentVolume().setClaim(null);
    return v;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }
}
