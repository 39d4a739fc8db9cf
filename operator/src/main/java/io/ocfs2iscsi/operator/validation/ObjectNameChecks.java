package io.ocfs2iscsi.operator.validation;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.ocfs2iscsi.contract.ValueRules;

final class ObjectNameChecks {

  private ObjectNameChecks() {}

  static void name(Checks c, ObjectMeta meta) {
    String name = meta == null ? null : meta.getName();
    if (c.required("metadata.name", name)) {
      c.maxLength("metadata.name", name, ValueRules.DNS_SUBDOMAIN_MAX_LENGTH);
      c.pattern("metadata.name", name, ValueRules.DNS_SUBDOMAIN, ValueRules.DNS_SUBDOMAIN_RULE);
    }
  }
}
