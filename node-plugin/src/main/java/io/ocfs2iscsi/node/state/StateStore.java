package io.ocfs2iscsi.node.state;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin's own state, under --state-dir (a host directory, so it survives plugin restarts and reboots):
 * {@code cluster.pb}, the cluster last applied by ApplyCluster, {@code volumes/<volume_id>.properties}, one
 * per volume staged (or being staged) on this node, and {@code targets/<iqn>.properties}, the iSCSI sessions the
 * plugin logged in per target ({@link OwnedSessions}). Files are readable by root only (they hold no secrets, but say
 * which LUNs this node uses) and replaced so that a crash or power loss leaves either the old or the new content:
 * a temporary file is written and synced, renamed over the record, and the directory is synced.
 *
 * <p>A record that cannot be read (a disk error, a file truncated outside the plugin) is moved aside as
 * {@code <name>.corrupt-<UTC time>} and logged; from then on that volume's calls fail with FAILED_PRECONDITION
 * naming the file, until an administrator has checked the host and removed it. Every other volume goes on.
 */
public final class StateStore {

  private static final Logger LOG = LoggerFactory.getLogger(StateStore.class);
  private static final String RECORD = ".properties";
  private static final String CORRUPT = ".corrupt-";
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  /**
   * The kernel's fsync at the points where the store needs its data on disk. Test seam: a test records when it is
   * called relative to the rename.
   */
  public interface Sync {
    /** Forces a written file's content to disk. */
    void file(FileChannel written) throws IOException;

    /** Forces a directory's entries (a rename into it) to disk. */
    void directory(Path dir) throws IOException;

    Sync KERNEL = new Sync() {
      @Override
      public void file(FileChannel written) throws IOException {
        written.force(true);
      }

      @Override
      public void directory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
          d.force(true);
        }
      }
    };
  }

  private final Path dir;
  private final Clock clock;
  private final Sync sync;

  public StateStore(Path dir) {
    this(dir, Clock.systemUTC(), Sync.KERNEL);
  }

  public StateStore(Path dir, Clock clock, Sync sync) {
    this.dir = dir;
    this.clock = clock;
    this.sync = sync;
  }

  public Path dir() {
    return dir;
  }

  /**
   * The cluster last applied, empty when none was. An unreadable file is moved aside and reads as none: the
   * operator applies the cluster again on its next reconcile, and stages wait for that (UNAVAILABLE).
   */
  public Optional<ApplyClusterRequest> cluster() {
    Path f = dir.resolve("cluster.pb");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ApplyClusterRequest.parseFrom(Files.readAllBytes(f)));
    } catch (IOException | RuntimeException e) {
      quarantine(f, e);
      return Optional.empty();
    }
  }

  public void saveCluster(ApplyClusterRequest request) {
    write(dir.resolve("cluster.pb"), request.toByteArray());
  }

  /** The kernel's boot id when the cluster was applied last; empty when unknown (recorded by an older plugin). */
  public Optional<String> clusterBoot() {
    Path f = dir.resolve("cluster.boot");
    try {
      return Files.exists(f) ? Optional.of(Files.readString(f).strip()).filter(b -> !b.isEmpty()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  public void saveClusterBoot(String bootId) {
    write(dir.resolve("cluster.boot"), bootId.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The record of one volume; FAILED_PRECONDITION when it is unreadable or was moved aside as such. */
  public Optional<StagedVolume> volume(String volumeId) {
    Path f = volumeFile(volumeId);
    Optional<Path> aside = quarantinedRecords(volumeId).stream().reduce((a, b) -> b);
    if (aside.isPresent()) {
      throw unreadable(volumeId, aside.get());
    }
    return read(volumeId, f);
  }

  /** Every readable record, by volume id; unreadable ones are moved aside (see {@link #quarantined()}). */
  public List<StagedVolume> volumes() {
    List<StagedVolume> out = new ArrayList<>();
    Set<String> aside = new TreeSet<>(quarantined());
    for (Path f : list("*" + RECORD)) {
      String name = f.getFileName().toString();
      String volumeId = name.substring(0, name.length() - RECORD.length());
      if (!ValueRules.matches(ValueRules.DNS_SUBDOMAIN, volumeId) || aside.contains(volumeId)) {
        continue;
      }
      try {
        read(volumeId, f).ifPresent(out::add);
      } catch (NodeException e) {
        // moved aside and logged by read: only that volume's own calls fail
      }
    }
    out.sort((a, b) -> a.volumeId().compareTo(b.volumeId()));
    return out;
  }

  /**
   * Volumes whose record was unreadable and is kept aside: what the plugin did for them on this node (sessions,
   * maps, mounts) is unknown, so callers that would undo something shared must assume those volumes need it.
   */
  public List<String> quarantined() {
    Set<String> ids = new TreeSet<>();
    for (Path f : list("*" + RECORD + CORRUPT + "*")) {
      String name = f.getFileName().toString();
      ids.add(name.substring(0, name.indexOf(RECORD + CORRUPT)));
    }
    return List.copyOf(ids);
  }

  /**
   * Writes the record; a record equal to the one on disk is not written again (kubelet and the operator repeat
   * calls: a repeated call must change nothing on the host, not even this file's time).
   */
  public void save(StagedVolume v) {
    byte[] content = volumeFileContent(v);
    Path f = volumeFile(v.volumeId());
    try {
      if (Files.isRegularFile(f) && Arrays.equals(Files.readAllBytes(f), content)) {
        return;
      }
    } catch (IOException e) {
      // unreadable: replace it
    }
    write(f, content);
  }

  /** The record as properties, one key per line in key order, without the date line Properties.store adds. */
  static byte[] volumeFileContent(StagedVolume v) {
    java.io.StringWriter sw = new java.io.StringWriter();
    try (Writer w = sw) {
      v.toProperties().store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder out = new StringBuilder("# csi.ocfs2iscsi.io node plugin: volume staged on this node\n");
    sw.toString().lines().filter(l -> !l.startsWith("#")).sorted().forEach(l -> out.append(l).append('\n'));
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  public void delete(String volumeId) {
    Path f = volumeFile(volumeId);
    try {
      if (Files.deleteIfExists(f)) {
        sync.directory(f.getParent());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + f + ": " + e.getMessage(), e);
    }
  }

  /** The sessions this plugin logged in to the target (none when nothing is recorded). */
  public OwnedSessions ownedSessions(String iqn) {
    Path f = targetFile(iqn);
    if (!Files.exists(f)) {
      return OwnedSessions.none(iqn);
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      p.load(r);
      return OwnedSessions.fromProperties(p);
    } catch (IOException | RuntimeException e) {
      throw NodeException.internal("state file " + f + " is unreadable (" + e.getMessage() + "): remove it by hand");
    }
  }

  /** Writes the record of the target's sessions (not when unchanged, as {@link #save}); an empty one removes it. */
  public void saveOwnedSessions(OwnedSessions owned) {
    Path f = targetFile(owned.iqn());
    if (owned.portals().isEmpty()) {
      try {
        Files.deleteIfExists(f);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return;
    }
    java.io.StringWriter sw = new java.io.StringWriter();
    try (Writer w = sw) {
      owned.toProperties().store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder out = new StringBuilder("# csi.ocfs2iscsi.io node plugin: iSCSI sessions it logged in\n");
    sw.toString().lines().filter(l -> !l.startsWith("#")).sorted().forEach(l -> out.append(l).append('\n'));
    byte[] content = out.toString().getBytes(StandardCharsets.UTF_8);
    try {
      if (Files.isRegularFile(f) && java.util.Arrays.equals(Files.readAllBytes(f), content)) {
        return;
      }
    } catch (IOException e) {
      // unreadable: replace it
    }
    write(f, content);
  }

  private Path targetFile(String iqn) {
    // Target names become file names: only valid iSCSI names (no '/'), validated again whatever the caller did.
    if (!ValueRules.matches(ValueRules.IQN, iqn) || iqn.length() > ValueRules.IQN_MAX_LENGTH) {
      throw NodeException.invalidArgument("target iqn must be " + ValueRules.IQN_RULE);
    }
    return dir.resolve("targets").resolve(iqn + ".properties");
  }

  private Path volumeFile(String volumeId) {
    // Volume ids become file names: only DNS-1123 subdomains (validated again here, whatever the caller did).
    if (!ValueRules.matches(ValueRules.DNS_SUBDOMAIN, volumeId)) {
      throw NodeException.invalidArgument("volume_id must be " + ValueRules.DNS_SUBDOMAIN_RULE);
    }
    return volumesDir().resolve(volumeId + RECORD);
  }

  private Path volumesDir() {
    return dir.resolve("volumes");
  }

  private Optional<StagedVolume> read(String volumeId, Path f) {
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      p.load(r);
      StagedVolume v = StagedVolume.fromProperties(p);
      if (!volumeId.equals(v.volumeId())) {
        throw new IllegalArgumentException("it describes volume " + v.volumeId());
      }
      return Optional.of(v);
    } catch (IOException | RuntimeException e) {
      throw unreadable(volumeId, quarantine(f, e));
    }
  }

  /** Moves an unreadable file aside (kept for the administrator) and returns where it is now. */
  private Path quarantine(Path f, Exception why) {
    Path aside = f.resolveSibling(f.getFileName() + CORRUPT + STAMP.format(clock.instant()));
    for (int n = 1; Files.exists(aside); n++) {
      aside = f.resolveSibling(f.getFileName() + CORRUPT + STAMP.format(clock.instant()) + "-" + n);
    }
    try {
      Files.move(f, aside, StandardCopyOption.ATOMIC_MOVE);
      sync.directory(f.getParent());
    } catch (IOException e) {
      LOG.error("state file {} is unreadable ({}) and could not be moved aside: {}", f, why.getMessage(),
          e.getMessage());
      return f;
    }
    LOG.error("state file {} is unreadable ({}); moved aside as {}", f, why.getMessage(), aside);
    return aside;
  }

  private static NodeException unreadable(String volumeId, Path file) {
    return NodeException.failedPrecondition(
        "the state record of volume " + volumeId + " on this node is unreadable and kept aside as " + file
            + ": what the plugin did for this volume here (sessions, map, mounts) is unknown, so it changes"
            + " nothing for it; check the host, then remove that file to let the plugin start over with it");
  }

  /** Records of one volume that were moved aside, oldest first. */
  private List<Path> quarantinedRecords(String volumeId) {
    return list(volumeId + RECORD + CORRUPT + "*");
  }

  /** Files of the volumes directory matching a glob, sorted by name. */
  private List<Path> list(String glob) {
    Path vdir = volumesDir();
    if (!Files.isDirectory(vdir)) {
      return List.of();
    }
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(vdir, glob)) {
      ds.forEach(out::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + vdir + ": " + e.getMessage(), e);
    }
    out.sort(null);
    return out;
  }

  /**
   * Writes a temporary file next to the target, syncs it, renames it over the target and syncs the directory: a
   * crash at any point leaves the old record or the new one, never an empty or partial file. A temporary file
   * left by an interrupted write is replaced by the next write and never read.
   */
  private void write(Path target, byte[] content) {
    Path parent = target.getParent();
    Path tmp = parent.resolve("." + target.getFileName() + ".tmp");
    try {
      if (!Files.isDirectory(parent)) {
        Files.createDirectories(parent);
        sync.directory(parent.getParent());
      }
      Files.deleteIfExists(tmp);
      try (FileChannel ch = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        sync.file(ch);
      }
      Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      sync.directory(parent);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the next write replaces it
      }
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }
}
