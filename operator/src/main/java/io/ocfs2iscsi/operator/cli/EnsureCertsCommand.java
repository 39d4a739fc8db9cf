package io.ocfs2iscsi.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.operator.tls.MutualTlsSecrets;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code operator.jar ensure-certs --namespace N --operator-secret A --agent-secret B --agent-authority H
 * [--ca-secret C] [--validity-days D]}: creates the mutual-TLS Secrets that are missing (the chart's certgen Job).
 */
public final class EnsureCertsCommand {

  private static final List<String> REQUIRED =
      List.of("namespace", "operator-secret", "agent-secret", "agent-authority");

  private final PrintStream out;
  private final PrintStream err;
  private final KubernetesClient client;

  /** The caller owns {@code client} and closes it. */
  public EnsureCertsCommand(PrintStream out, PrintStream err, KubernetesClient client) {
    this.out = out;
    this.err = err;
    this.client = client;
  }

  public int run(List<String> args) {
    Map<String, String> flags = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (!arg.startsWith("--") || eq < 0) {
        err.println("ensure-certs: expected --name=value, got '" + arg + "'");
        return 2;
      }
      flags.put(arg.substring(2, eq), arg.substring(eq + 1));
    }
    for (String name : REQUIRED) {
      if (flags.getOrDefault(name, "").isBlank()) {
        err.println("ensure-certs: --" + name + " is required");
        return 2;
      }
    }
    int days;
    try {
      days = Integer.parseInt(flags.getOrDefault("validity-days", "3650"));
    } catch (NumberFormatException e) {
      err.println("ensure-certs: --validity-days must be a whole number of days");
      return 2;
    }
    var names =
        new MutualTlsSecrets.Names(
            flags.get("namespace"),
            flags.getOrDefault("ca-secret", flags.get("operator-secret") + "-ca"),
            flags.get("operator-secret"),
            flags.get("agent-secret"),
            flags.get("agent-authority"));
    try {
      new MutualTlsSecrets(client, out::println).ensure(names, Duration.ofDays(days));
      return 0;
    } catch (RuntimeException e) {
      err.println("ensure-certs: " + e.getMessage());
      return 1;
    }
  }
}
