package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.operator.desired.LunClaims.Lun;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

@EnableKubernetesMockClient(crud = true)
class FormatLeaseTest {

  static KubernetesClient client;

  private static final Lun LUN = new Lun("iqn.2016-02.local.virtual:virtual.vg1", 1);

  private FormatLease lease(String identity, Duration duration) {
    return new FormatLease(client, "default", identity, duration, Clock.systemUTC());
  }

  @Test
  void theNameIsStableShortDnsSafeAndPerLun() {
    String name = FormatLease.leaseName(LUN);

    assertThat(name).isEqualTo(FormatLease.leaseName(new Lun("IQN.2016-02.LOCAL.VIRTUAL:VIRTUAL.VG1", 1)))
        .startsWith("isv-format-").hasSize("isv-format-".length() + 16)
        .isNotEqualTo(FormatLease.leaseName(new Lun(LUN.iqn(), 2)))
        .isNotEqualTo(FormatLease.leaseName(new Lun("iqn.2016-02.local.virtual:virtual.vg2", 1)));
    assertThat(ValueRules.matches(ValueRules.DNS_LABEL, name)).isTrue();
  }

  @Test
  void twoVolumesOnOneLunShareTheLeaseAndOnlyItsLastTakerDropsIt() {
    FormatLease a = lease("op-a", Duration.ofMinutes(10));
    FormatLease b = lease("op-b", Duration.ofMinutes(10));

    assertThat(a.acquire(LUN, "data")).isEmpty();
    assertThat(b.acquire(LUN, "data-copy")).get().satisfies(h -> {
      assertThat(h.holder()).isEqualTo("op-a");
      assertThat(h.lease()).isEqualTo(FormatLease.leaseName(LUN));
    });

    b.release(LUN, "data-copy");
    assertThat(client.leases().inNamespace("default").withName(FormatLease.leaseName(LUN)).get())
        .as("a refused twin does not drop the owner's Lease").isNotNull();
    a.release(LUN, "data");
    assertThat(client.leases().inNamespace("default").withName(FormatLease.leaseName(LUN)).get()).isNull();
  }

  @Test
  void aRenewalMovesTheRenewTimeUntilClosed() throws Exception {
    Lun lun = new Lun("iqn.2016-02.local.virtual:renewed", 3);
    FormatLease a = lease("op-a", Duration.ofMillis(1500));
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    try {
      assertThat(a.acquire(lun, "data")).isEmpty();
      String first = renewTime(lun);
      String renewed;
      try (FormatLease.Renewal r = a.keepRenewed(lun, scheduler)) {
        await().atMost(Duration.ofSeconds(10)).until(() -> !renewTime(lun).equals(first));
        renewed = renewTime(lun);
      }
      Thread.sleep(1500);
      assertThat(renewTime(lun)).as("no renewal after close").isEqualTo(renewed);
    } finally {
      scheduler.shutdownNow();
    }
  }

  private static String renewTime(Lun lun) {
    return String.valueOf(client.leases().inNamespace("default").withName(FormatLease.leaseName(lun)).get().getSpec()
        .getRenewTime());
  }
}
