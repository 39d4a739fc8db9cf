package io.ocfs2iscsi.operator.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.ocfs2iscsi.contract.tls.AgentIdentities;
import io.ocfs2iscsi.operator.tls.MutualTlsSecrets;
import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code operator.jar ensure-certs --namespace N --operator-secret A --operator-identity URI --trust-configmap T
 * [--ca-secret C] [--create-ca=false] [--validity-days D]}: keeps the operator's certificate and the nodes' trust
 * ConfigMap in line with the CA (the chart's certgen Job).
 */
public final class EnsureCertsCommand {

  private static final List<String> REQUIRED =
      List.of("namespace", "operator-secret", "operator-identity", "trust-configmap");

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
    Optional<String> badIdentity = AgentIdentities.problem(flags.get("operator-identity"));
    if (badIdentity.isPresent()) {
      err.println("ensure-certs: --operator-identity " + badIdentity.get());
      return 2;
    }
    String createCa = flags.getOrDefault("create-ca", "true");
    if (!createCa.equals("true") && !createCa.equals("false")) {
      err.println("ensure-certs: --create-ca must be true or false");
      return 2;
    }
    var names =
        new MutualTlsSecrets.Names(
            flags.get("namespace"),
            flags.getOrDefault("ca-secret", flags.get("operator-secret") + "-ca"),
            flags.get("operator-secret"),
            flags.get("operator-identity"),
            flags.get("trust-configmap"));
    try {
      new MutualTlsSecrets(client, out::println)
          .ensure(names, Duration.ofDays(days), Boolean.parseBoolean(createCa));
      return 0;
    } catch (RuntimeException e) {
      err.println("ensure-certs: " + e.getMessage());
      return 1;
    }
  }
}
