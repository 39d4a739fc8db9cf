package io.ocfs2iscsi.node.volume;

import io.ocfs2iscsi.agent.v1.ApplyClusterRequest;
import io.ocfs2iscsi.contract.ValueRules;
import io.ocfs2iscsi.node.NodeException;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * The plugin's own state, under --state-dir (a host directory, so it survives plugin restarts and reboots):
 * {@code cluster.pb}, the cluster last applied by ApplyCluster, and {@code volumes/<volume_id>.properties}, one
 * per volume staged (or being staged) on this node. Files are replaced atomically and readable by root only (they
 * hold no secrets, but say which LUNs this node uses).
 */
public final class StateStore {

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

  public Optional<ApplyClusterRequest> cluster() {
    Path f = dir.resolve("cluster.pb");
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    try {
      return Optional.of(ApplyClusterRequest.parseFrom(Files.readAllBytes(f)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  public void saveCluster(ApplyClusterRequest request) {
    write(dir.resolve("cluster.pb"), request.toByteArray());
  }

  public Optional<StagedVolume> volume(String volumeId) {
    Path f = volumeFile(volumeId);
    if (!Files.exists(f)) {
      return Optional.empty();
    }
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      p.load(r);
      return Optional.of(StagedVolume.fromProperties(p));
    } catch (IOException | RuntimeException e) {
      throw NodeException.internal("state file " + f + " is unreadable (" + e.getMessage() + "): remove it by hand");
    }
  }

  public List<StagedVolume> volumes() {
    List<StagedVolume> out = new ArrayList<>();
    Path vdir = dir.resolve("volumes");
    if (!Files.isDirectory(vdir)) {
      return out;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(vdir, "*.properties")) {
      for (Path f : ds) {
        String name = f.getFileName().toString();
        volume(name.substring(0, name.length() - ".properties".length())).ifPresent(out::add);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort((a, b) -> a.volumeId().compareTo(b.volumeId()));
    return out;
  }

  /** Volumes whose record was unreadable and is kept aside. */
  public List<String> quarantined() {
    return List.of();
  }

  /**
   * Writes the record; a record equal to the one on disk is not written again (kubelet and the operator repeat
   * calls: a repeated call must change nothing on the host, not even this file's time).
   */
  public void save(StagedVolume v) {
    byte[] content = volumeFileContent(v);
    Path f = volumeFile(v.volumeId());
    try {
      if (Files.isRegularFile(f) && java.util.Arrays.equals(Files.readAllBytes(f), content)) {
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
    try {
      Files.deleteIfExists(volumeFile(volumeId));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Path volumeFile(String volumeId) {
    // Volume ids become file names: only DNS-1123 subdomains (validated again here, whatever the caller did).
    if (!ValueRules.matches(ValueRules.DNS_SUBDOMAIN, volumeId)) {
      throw NodeException.invalidArgument("volume_id must be " + ValueRules.DNS_SUBDOMAIN_RULE);
    }
    return dir.resolve("volumes").resolve(volumeId + ".properties");
  }

  private static void write(Path target, byte[] content) {
    try {
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(tmp, content);
      try {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }
}
