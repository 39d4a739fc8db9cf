package io.ocfs2iscsi.operator.validation;

import io.ocfs2iscsi.contract.FailoverDefaults;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.operator.api.v1alpha1.ClaimSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.FilesystemSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.MultipathSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.PersistentVolumeSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.PortalInterface;
import io.ocfs2iscsi.operator.api.v1alpha1.SecretReference;
import io.ocfs2iscsi.operator.api.v1alpha1.SessionSpec;
import io.ocfs2iscsi.operator.api.v1alpha1.TargetSpec;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The rules of the IscsiSharedVolume CRD schema (patterns, ranges, CEL rules), in Java: the operator refuses an
 * invalid volume with the same field-named messages, and `operator.jar validate` checks manifests offline. A test
 * runs every bad manifest against both this class and a real API server, so the two cannot drift.
 */
public final class IscsiSharedVolumeValidator {

  private IscsiSharedVolumeValidator() {}

  public static List<Violation> validate(IscsiSharedVolume volume) {
    Checks c = new Checks();
    ObjectNameChecks.name(c, volume.getMetadata());
    IscsiSharedVolumeSpec spec = volume.getSpec();
    if (!c.required("spec", spec)) {
      return c.violations();
    }
    target(c, spec.getTarget());
    multipath(c, spec.getMultipath(), volume.getMetadata() == null ? null : volume.getMetadata().getName());
    filesystem(c, spec.getFilesystem());
    persistentVolume(c, spec.getPersistentVolume());
    return c.violations();
  }

  private static void portalInterfaces(Checks c, TargetSpec t) {
    List<PortalInterface> bindings = t.getPortalInterfaces();
    if (bindings == null) {
      return;
    }
    c.size("spec.target.portalInterfaces", bindings, 0, 8);
    Set<String> bound = new HashSet<>();
    for (int i = 0; i < bindings.size(); i++) {
      String field = "spec.target.portalInterfaces[" + i + "]";
      PortalInterface b = bindings.get(i);
      if (!c.required(field, b)) {
        continue;
      }
      if (c.required(field + ".portal", b.getPortal())) {
        if (t.getPortals() == null || !t.getPortals().contains(b.getPortal())) {
          c.add(field + ".portal", "portalInterfaces: every portal must be one of target.portals");
        }
        if (!bound.add(b.getPortal())) {
          c.add(field + ".portal", "portalInterfaces: a portal must not be listed twice");
        }
      }
      if (c.required(field + ".interface", b.getIface())) {
        c.pattern(field + ".interface", b.getIface(), ValueRules.INTERFACE_NAME, ValueRules.INTERFACE_NAME_RULE);
      }
    }
  }

  private static void target(Checks c, TargetSpec t) {
    if (!c.required("spec.target", t)) {
      return;
    }
    if (c.required("spec.target.iqn", t.getIqn())) {
      c.maxLength("spec.target.iqn", t.getIqn(), ValueRules.IQN_MAX_LENGTH);
      c.pattern("spec.target.iqn", t.getIqn(), ValueRules.IQN, ValueRules.IQN_RULE);
    }
    if (c.required("spec.target.lun", t.getLun())) {
      c.range("spec.target.lun", t.getLun(), 0, 16383);
    }
    if (c.required("spec.target.portals", t.getPortals())) {
      c.size("spec.target.portals", t.getPortals(), 1, 8);
      Set<String> seen = new HashSet<>();
      boolean repeated = false;
      for (int i = 0; i < t.getPortals().size(); i++) {
        String portal = t.getPortals().get(i);
        String field = "spec.target.portals[" + i + "]";
        if (c.required(field, portal)) {
          c.maxLength(field, portal, 261);
          c.pattern(field, portal, ValueRules.PORTAL, ValueRules.PORTAL_RULE);
          repeated |= !seen.add(portal);
        }
      }
      if (repeated) {
        c.add("spec.target.portals", "portals must not repeat");
      }
    }
    portalInterfaces(c, t);
    SecretReference chap = t.getChapSecretRef();
    if (chap != null) {
      if (c.required("spec.target.chapSecretRef.namespace", chap.getNamespace())) {
        c.pattern("spec.target.chapSecretRef.namespace", chap.getNamespace(), ValueRules.DNS_LABEL,
            ValueRules.DNS_LABEL_RULE);
      }
      if (c.required("spec.target.chapSecretRef.name", chap.getName())) {
        c.pattern("spec.target.chapSecretRef.name", chap.getName(), ValueRules.DNS_SUBDOMAIN,
            ValueRules.DNS_SUBDOMAIN_RULE);
      }
    }
    SessionSpec session = t.getSession();
    if (session != null) {
      c.range("spec.target.session.replacementTimeoutSeconds", session.getReplacementTimeoutSeconds(), 1, 600);
      c.range("spec.target.session.noopOutIntervalSeconds", session.getNoopOutIntervalSeconds(),
          FailoverDefaults.NOOP_OUT_MIN, FailoverDefaults.NOOP_OUT_MAX);
      c.range("spec.target.session.noopOutTimeoutSeconds", session.getNoopOutTimeoutSeconds(),
          FailoverDefaults.NOOP_OUT_MIN, FailoverDefaults.NOOP_OUT_MAX);
    }
  }

  private static void multipath(Checks c, MultipathSpec mp, String name) {
    if (mp == null || mp.getAlias() == null) {
      if (name != null && name.length() > 63) {
        c.add("metadata.name", "metadata.name is longer than 63 characters, too long for the default multipath"
            + " alias: set spec.multipath.alias");
      }
      if (mp == null) {
        return;
      }
    }
    c.pattern("spec.multipath.alias", mp.getAlias(), ValueRules.ALIAS, ValueRules.ALIAS_RULE);
    c.pattern("spec.multipath.wwid", mp.getWwid(), ValueRules.WWID, ValueRules.WWID_RULE);
    c.range("spec.multipath.pollingIntervalSeconds", mp.getPollingIntervalSeconds(), 1, 60);
    c.pattern("spec.multipath.failback", mp.getFailback(), ValueRules.FAILBACK, ValueRules.FAILBACK_RULE);
    c.pattern("spec.multipath.noPathRetry", mp.getNoPathRetry(), ValueRules.NO_PATH_RETRY,
        ValueRules.NO_PATH_RETRY_RULE);
  }

  private static void filesystem(Checks c, FilesystemSpec fs) {
    if (!c.required("spec.filesystem", fs)) {
      return;
    }
    if (c.required("spec.filesystem.clusterRef", fs.getClusterRef())) {
      c.pattern("spec.filesystem.clusterRef", fs.getClusterRef(), ValueRules.DNS_SUBDOMAIN,
          ValueRules.DNS_SUBDOMAIN_RULE);
    }
    c.pattern("spec.filesystem.label", fs.getLabel(), ValueRules.LABEL, ValueRules.LABEL_RULE);
    c.range("spec.filesystem.nodeSlots", fs.getNodeSlots(), 1, 255);
    List<String> options = fs.getMountOptions();
    if (options != null) {
      c.size("spec.filesystem.mountOptions", options, 0, 32);
      for (int i = 0; i < options.size(); i++) {
        String field = "spec.filesystem.mountOptions[" + i + "]";
        c.maxLength(field, options.get(i), 128);
        c.pattern(field, options.get(i), ValueRules.MOUNT_OPTION, ValueRules.MOUNT_OPTION_RULE);
      }
    }
  }

  private static void persistentVolume(Checks c, PersistentVolumeSpec pv) {
    if (!c.required("spec.persistentVolume", pv)) {
      return;
    }
    c.pattern("spec.persistentVolume.name", pv.getName(), ValueRules.DNS_SUBDOMAIN, ValueRules.DNS_SUBDOMAIN_RULE);
    if (c.required("spec.persistentVolume.capacity", pv.getCapacity())) {
      c.pattern("spec.persistentVolume.capacity", pv.getCapacity(), ValueRules.CAPACITY, ValueRules.CAPACITY_RULE);
    }
    ClaimSpec claim = pv.getClaim();
    if (claim != null) {
      if (c.required("spec.persistentVolume.claim.namespace", claim.getNamespace())) {
        c.pattern("spec.persistentVolume.claim.namespace", claim.getNamespace(), ValueRules.DNS_LABEL,
            ValueRules.DNS_LABEL_RULE);
      }
      if (c.required("spec.persistentVolume.claim.name", claim.getName())) {
        c.pattern("spec.persistentVolume.claim.name", claim.getName(), ValueRules.DNS_SUBDOMAIN,
            ValueRules.DNS_SUBDOMAIN_RULE);
      }
    }
  }
}
