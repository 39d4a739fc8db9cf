package io.ocfs2iscsi.operator.desired;

import io.ocfs2iscsi.operator.api.v1alpha1.IscsiSharedVolume;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which IscsiSharedVolume owns a LUN. Two volumes that name the same target and LUN, or the same WWID, would format
 * one disk twice and mount it as two filesystems; the older one (earlier creationTimestamp, then name) keeps the LUN
 * and every younger one is refused until the older is gone.
 */
public final class LunClaims {

  private LunClaims() {}

  /** A LUN as a volume names it: target IQN (compared case-insensitively) and LUN number. */
  public record Lun(String iqn, int lun) {
    public Lun {
      iqn = iqn.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return "target " + iqn + " LUN " + lun;
    }
  }

  /** The older volume that holds the LUN, and what the two share. */
  public record Conflict(String owner, String shared) {
    public String message() {
      return "spec.target: " + shared + " is already used by IscsiSharedVolume " + owner + " (the older one keeps"
          + " it); this volume is neither formatted nor published while " + owner + " exists: delete one of them";
    }
  }

  /** The volume's LUN; empty when its target is incomplete (validation reports that). */
  public static Optional<Lun> lunOf(IscsiSharedVolume v) {
    if (v.getSpec() == null || v.getSpec().getTarget() == null || v.getSpec().getTarget().getIqn() == null
        || v.getSpec().getTarget().getLun() == null) {
      return Optional.empty();
    }
    return Optional.of(new Lun(v.getSpec().getTarget().getIqn(), v.getSpec().getTarget().getLun()));
  }

  /** The oldest other volume that shares the volume's LUN or WWID and is older than it; empty when none. */
  public static Optional<Conflict> conflict(IscsiSharedVolume volume, Collection<IscsiSharedVolume> all) {
    Optional<Lun> lun = lunOf(volume);
    List<String> wwids = wwids(volume);
    IscsiSharedVolume owner = null;
    String shared = null;
    // Every reconcile looks at every volume: compare the cheap identities first, order only the few that match.
    for (IscsiSharedVolume other : all) {
      if (other.getMetadata().getName().equals(volume.getMetadata().getName())) {
        continue;
      }
      Optional<String> what = shared(lun, wwids, other);
      if (what.isPresent() && ORDER.compare(other, volume) < 0 && (owner == null || ORDER.compare(other, owner) < 0)) {
        owner = other;
        shared = what.get();
      }
    }
    return owner == null ? Optional.empty() : Optional.of(new Conflict(owner.getMetadata().getName(), shared));
  }

  /** Older first: earlier creationTimestamp (a volume without one is the youngest), then name. */
  static final Comparator<IscsiSharedVolume> ORDER = Comparator
      .comparing((IscsiSharedVolume v) -> created(v).orElse(Instant.MAX))
      .thenComparing(v -> v.getMetadata().getName());

  private static Optional<Instant> created(IscsiSharedVolume v) {
    String t = v.getMetadata().getCreationTimestamp();
    if (t == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(Instant.parse(t));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  private static Optional<String> shared(Optional<Lun> lun, List<String> wwids, IscsiSharedVolume other) {
    if (lun.isPresent() && lun.equals(lunOf(other))) {
      return Optional.of(lun.get().toString());
    }
    List<String> wwidsOfOther = wwids(other);
    return wwids.stream().filter(wwidsOfOther::contains).findFirst().map(w -> "WWID " + w);
  }

  /** The pinned WWID (spec) and the one found at format time (status), lowercase. */
  private static List<String> wwids(IscsiSharedVolume v) {
    List<String> out = new ArrayList<>();
    if (v.getSpec() != null && v.getSpec().getMultipath() != null) {
      add(out, v.getSpec().getMultipath().getWwid());
    }
    if (v.getStatus() != null) {
      add(out, v.getStatus().getWwid());
    }
    return out;
  }

  private static void add(List<String> out, String wwid) {
    if (wwid != null && !wwid.isEmpty()) {
      out.add(wwid.toLowerCase(Locale.ROOT));
    }
  }
}
