package io.ocfs2iscsi.operator.cli;

import io.ocfs2iscsi.operator.validation.ManifestValidator;
import io.ocfs2iscsi.operator.validation.Violation;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code operator.jar validate FILE...}: checks manifests offline, one line per problem, exit 1 when anything is
 * invalid, 2 when a file cannot be read. Needs no cluster.
 */
public final class ValidateCommand {

  private final PrintStream out;
  private final PrintStream err;

  public ValidateCommand(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public int run(List<String> files) {
    if (files.isEmpty()) {
      err.println("usage: operator.jar validate FILE...");
      return 2;
    }
    ManifestValidator validator = new ManifestValidator();
    int problems = 0;
    int checked = 0;
    boolean unreadable = false;
    for (String file : files) {
      List<ManifestValidator.Result> results;
      try {
        results = validator.validate(Files.readString(Path.of(file)));
      } catch (IOException | RuntimeException e) {
        err.println(file + ": cannot read: " + e.getMessage().split("\n")[0]);
        unreadable = true;
        continue;
      }
      for (ManifestValidator.Result r : results) {
        checked++;
        for (Violation v : r.violations()) {
          problems++;
          out.println(file + ": " + r.kind() + "/" + r.name() + ": " + v);
        }
      }
    }
    err.println(checked + " resources checked, " + problems + " problems");
    if (unreadable) {
      return 2;
    }
    return problems == 0 ? 0 : 1;
  }
}
