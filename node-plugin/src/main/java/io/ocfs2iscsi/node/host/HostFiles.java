package io.ocfs2iscsi.node.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The host's files, reached under a root: "/" in direct mode, /proc/1/root in nsenter mode, a temporary directory
 * in tests. Every path argument is an absolute host path such as /etc/ocfs2/cluster.conf.
 */
public final class HostFiles {

  private final Path root;

  public HostFiles(Path root) {
    this.root = root;
  }

  public static HostFiles of(HostMode mode) {
    return new HostFiles(Path.of(mode.filesystemRoot()));
  }

  public Path root() {
    return root;
  }

  /** The plugin-side path of a host path. Rejects relative paths and '..' so that no value escapes the root. */
  public Path resolve(String hostPath) {
    if (hostPath == null || !hostPath.startsWith("/")) {
      throw new IllegalArgumentException("not an absolute host path: " + hostPath);
    }
    for (String part : hostPath.split("/")) {
      if (part.equals("..")) {
        throw new IllegalArgumentException("host path must not contain '..': " + hostPath);
      }
    }
    return root.resolve(hostPath.substring(1));
  }

  public boolean exists(String hostPath) {
    return Files.exists(resolve(hostPath));
  }

  public boolean isDirectory(String hostPath) {
    return Files.isDirectory(resolve(hostPath));
  }

  public Optional<String> read(String hostPath) {
    try {
      return Optional.of(Files.readString(resolve(hostPath), StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + hostPath + ": " + e.getMessage(), e);
    }
  }

  /** Names in a directory, sorted; empty when it does not exist. */
  public List<String> list(String hostDir) {
    Path dir = resolve(hostDir);
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + hostDir + ": " + e.getMessage(), e);
    }
    names.sort(String::compareTo);
    return names;
  }

  /**
   * Replaces a config file atomically (write a sibling, then rename), so that a reader never sees half a file.
   * {@code privateFile} gives mode 0600 from the first byte: used for files that hold CHAP secrets.
   */
  public void writeAtomically(String hostPath, String content, boolean privateFile) {
    Path target = resolve(hostPath);
    try {
      Files.createDirectories(target.getParent());
      Path tmp = target.resolveSibling("." + target.getFileName() + ".ocfs2iscsi.tmp");
      Files.deleteIfExists(tmp);
      if (privateFile) {
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } else {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, content, StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
      try {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + hostPath + ": " + e.getMessage(), e);
    }
  }

  /** Makes a file this plugin wrote executable (0755): a program another daemon runs, e.g. a fence agent. */
  public void makeExecutable(String hostPath) {
    try {
      Files.setPosixFilePermissions(resolve(hostPath), PosixFilePermissions.fromString("rwxr-xr-x"));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make " + hostPath + " executable: " + e.getMessage(), e);
    }
  }

  /**
   * Writes a kernel attribute (sysfs, configfs) in place: these files cannot be replaced by a rename and take the
   * value on write.
   */
  public void writeAttribute(String hostPath, String value) {
    try {
      Files.writeString(
          resolve(hostPath), value, StandardCharsets.UTF_8, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
          StandardOpenOption.TRUNCATE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + hostPath + ": " + e.getMessage(), e);
    }
  }

  public void createDirectories(String hostPath) {
    try {
      Files.createDirectories(resolve(hostPath));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + hostPath + ": " + e.getMessage(), e);
    }
  }

  /** Removes a file or an empty directory; true when something was removed. */
  public boolean deleteIfExists(String hostPath) {
    try {
      return Files.deleteIfExists(resolve(hostPath));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + hostPath + ": " + e.getMessage(), e);
    }
  }

  public boolean isSymbolicLink(String hostPath) {
    return Files.isSymbolicLink(resolve(hostPath));
  }

  /** Creates a symbolic link at hostPath pointing to target (taken literally, as ln -s does). */
  public void createSymbolicLink(String hostPath, String target) {
    try {
      Files.createSymbolicLink(resolve(hostPath), Path.of(target));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot link " + hostPath + ": " + e.getMessage(), e);
    }
  }

  /** True when the path exists without following a final symbolic link. */
  public boolean existsNoFollow(String hostPath) {
    return Files.exists(resolve(hostPath), LinkOption.NOFOLLOW_LINKS);
  }
}
