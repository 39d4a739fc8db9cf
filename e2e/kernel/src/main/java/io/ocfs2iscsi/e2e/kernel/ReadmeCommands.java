package io.ocfs2iscsi.e2e.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The commands README.md tells a user to type, read from the README itself so that the cluster test types exactly
 * them: the code block after a heading, one command per line ({@code a && b} is two), comments and the commands of
 * other tools (apt-get, systemctl: the guests already run the daemons) left out. Arguments are split on blanks (the
 * README quotes nothing) and a glob such as {@code examples/*.yaml} is expanded as a shell would, in file-name order.
 */
public final class ReadmeCommands {

  private final Path root;
  private final List<String> lines;

  public ReadmeCommands(Path root) {
    this.root = root;
    try {
      this.lines = Files.readAllLines(root.resolve("README.md"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The commands of the first code block under the heading {@code heading} (the heading's text, without #). */
  public List<List<String>> under(String heading) {
    int i = 0;
    while (i < lines.size() && !lines.get(i).replaceFirst("^#+ ", "").equals(heading)) {
      i++;
    }
    if (i == lines.size()) {
      throw new IllegalStateException("README.md has no heading '" + heading + "'");
    }
    while (i < lines.size() && !lines.get(i).startsWith("```")) {
      i++;
    }
    List<List<String>> commands = new ArrayList<>();
    for (i++; i < lines.size() && !lines.get(i).startsWith("```"); i++) {
      String line = lines.get(i);
      int hash = line.indexOf('#');
      String code = (hash >= 0 ? line.substring(0, hash) : line).trim();
      for (String command : code.split("&&")) {
        List<String> argv = expand(List.of(command.trim().split("\\s+")));
        if (!argv.get(0).isEmpty()) {
          commands.add(argv);
        }
      }
    }
    if (commands.isEmpty()) {
      throw new IllegalStateException("README.md: no code block under '" + heading + "'");
    }
    return commands;
  }

  /** The commands under {@code heading} that start with {@code tool}. */
  public List<List<String>> under(String heading, String tool) {
    return under(heading).stream().filter(c -> c.get(0).equals(tool)).toList();
  }

  /** The one command under {@code heading} that starts with these words; fails when there is none or several. */
  public List<String> the(String heading, String... prefix) {
    List<List<String>> found = under(heading).stream()
        .filter(c -> c.size() >= prefix.length && c.subList(0, prefix.length).equals(List.of(prefix))).toList();
    if (found.size() != 1) {
      throw new IllegalStateException("README.md '" + heading + "': expected one command starting with '"
          + String.join(" ", prefix) + "', found " + found);
    }
    return found.get(0);
  }

  private List<String> expand(List<String> argv) {
    List<String> out = new ArrayList<>();
    for (String arg : argv) {
      int slash = arg.lastIndexOf('/');
      if (!arg.contains("*") || arg.substring(0, slash + 1).contains("*")) {
        out.add(arg);
        continue;
      }
      List<String> matches = new ArrayList<>();
      Path dir = root.resolve(slash >= 0 ? arg.substring(0, slash) : ".");
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, arg.substring(slash + 1))) {
        ds.forEach(p -> matches.add((slash >= 0 ? arg.substring(0, slash + 1) : "") + p.getFileName()));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (matches.isEmpty()) {
        throw new IllegalStateException("README.md: '" + arg + "' matches no file");
      }
      matches.sort(null);
      out.addAll(matches);
    }
    return out;
  }

  /** {@code argv} with every {@code <placeholder>} replaced by {@code value}. */
  public static List<String> with(List<String> argv, String placeholder, String value) {
    return argv.stream().map(a -> a.replace("<" + placeholder + ">", value)).toList();
  }
}
