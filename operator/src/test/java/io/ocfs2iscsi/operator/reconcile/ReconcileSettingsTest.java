package io.ocfs2iscsi.operator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.ocfs2iscsi.contract.FormatDeadlines;
import org.junit.jupiter.api.Test;

class ReconcileSettingsTest {

  @Test
  void theFormatCallEndsBeforeItsLeaseCanExpire() {
    ReconcileSettings defaults = ReconcileSettings.defaults("ns", "op");

    // A Lease taken just before the call must outlive the call, even if no renewal gets through: else another
    // operator can take it over and format while the first call still runs on a node.
    assertThat(defaults.formatTimeout()).isLessThan(defaults.formatLease());
    assertThat(defaults.formatTimeout()).isEqualTo(FormatDeadlines.FORMAT_CALL_DEADLINE);
    assertThat(defaults.formatLease()).isEqualTo(FormatDeadlines.FORMAT_LEASE);
  }
}
