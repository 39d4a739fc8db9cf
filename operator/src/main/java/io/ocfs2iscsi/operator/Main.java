package io.ocfs2iscsi.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.ocfs2iscsi.operator.cli.EnsureCertsCommand;
import io.ocfs2iscsi.operator.cli.RunCommand;
import io.ocfs2iscsi.operator.cli.ValidateCommand;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point of operator.jar: {@code run} reconciles; {@code validate FILE...} checks manifests offline; {@code ensure-certs} creates the
 * mutual-TLS Secrets.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    List<String> rest = args.length > 0 ? Arrays.asList(args).subList(1, args.length) : List.of();
    String command = args.length > 0 ? args[0] : "";
    int code;
    switch (command) {
      case "run" -> {
        int rc = new RunCommand(System.err, System.getenv()).run(rest);
        if (rc == 0) {
          return; // the operator's threads keep running until SIGTERM
        }
        code = rc;
      }
      case "validate" -> code = new ValidateCommand(System.out, System.err).run(rest);
      case "ensure-certs" -> {
        try (KubernetesClient client = new KubernetesClientBuilder().build()) {
          code = new EnsureCertsCommand(System.out, System.err, client).run(rest);
        }
      }
      default -> {
        System.err.println("usage: operator.jar run [--help] | validate FILE... | ensure-certs --namespace=N ...");
        code = 2;
      }
    }
    System.exit(code);
  }
}
