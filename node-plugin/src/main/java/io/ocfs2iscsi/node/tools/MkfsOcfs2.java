package io.ocfs2iscsi.node.tools;

import io.ocfs2iscsi.agent.v1.ClusterStackKind;
import io.ocfs2iscsi.contract.ClusterStackNames;
import io.ocfs2iscsi.contract.FormatDeadlines;
import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * mkfs.ocfs2. Never run with -F: on a device that already carries OCFS2 it asks before overwriting, reads
 * end-of-file from the plugin's empty stdin, and declines. Callers probe for every signature before calling it.
 */
public final class MkfsOcfs2 {

  public static final String PROGRAM = "mkfs.ocfs2";
  /**
   * mkfs.ocfs2 is killed after this. It stays below the operator's FormatVolume deadline and its format Lease: once
   * the Lease lapses another operator instance may format the LUN from another node, and two mkfs must never write
   * the same LUN.
   */
  public static final Duration TIMEOUT = FormatDeadlines.MKFS_TIMEOUT;

  private final CommandRunner runner;

  public MkfsOcfs2(CommandRunner runner) {
    this.runner = runner;
  }

  /** The filesystem mkfs.ocfs2 reported it made. */
  public record Report(
      String label, long blockSize, long clusterSize, long volumeSize, int nodeSlots, String stack, boolean success) {}

  /** Every value is validated (VolumeSpecChecks) before it gets here. */
  public record Options(
      String blockSize, String clusterSize, int nodeSlots, String label, String clusterName,
      ClusterStackKind clusterStack) {}

  public static List<String> argv(Options o, String device) {
    List<String> argv = new ArrayList<>(List.of(PROGRAM, "-b", o.blockSize(), "-C", o.clusterSize(), "-N",
        Integer.toString(o.nodeSlots())));
    if (o.label() != null && !o.label().isEmpty()) {
      argv.add("-L");
      argv.add(o.label());
    }
    argv.add("--cluster-stack=" + ClusterStackNames.diskLabel(o.clusterStack()));
    argv.add("--cluster-name=" + o.clusterName());
    argv.add(device);
    return argv;
  }

  public Report format(Options o, String device) {
    CommandResult r = runner.run(new Command(argv(o, device), TIMEOUT));
    if (!r.ok()) {
      throw new ToolFailure("formatting " + device + " with OCFS2", r);
    }
    Report report = parse(r.stdout());
    if (!report.success()) {
      throw new ToolFailure("formatting " + device + " with OCFS2 (no 'mkfs.ocfs2 successful' in its output)", r);
    }
    return report;
  }

  public CommandResult version() {
    return runner.run(Command.of(PROGRAM, "--version"));
  }

  private static final Pattern LABEL = Pattern.compile("^Label: (.*)$", Pattern.MULTILINE);
  private static final Pattern BLOCK = Pattern.compile("^Block size: (\\d+)", Pattern.MULTILINE);
  private static final Pattern CLUSTER = Pattern.compile("^Cluster size: (\\d+)", Pattern.MULTILINE);
  private static final Pattern VOLUME = Pattern.compile("^Volume size: (\\d+)", Pattern.MULTILINE);
  private static final Pattern SLOTS = Pattern.compile("^Node slots: (\\d+)", Pattern.MULTILINE);
  private static final Pattern STACK = Pattern.compile("^Cluster stack: (.*)$", Pattern.MULTILINE);

  public static Report parse(String out) {
    return new Report(
        text(LABEL, out),
        number(BLOCK, out),
        number(CLUSTER, out),
        number(VOLUME, out),
        (int) number(SLOTS, out),
        text(STACK, out),
        out.contains("mkfs.ocfs2 successful"));
  }

  private static String text(Pattern p, String out) {
    Matcher m = p.matcher(out);
    return m.find() ? m.group(1).strip() : "";
  }

  private static long number(Pattern p, String out) {
    Matcher m = p.matcher(out);
    return m.find() ? Long.parseLong(m.group(1)) : -1;
  }
}
