package io.ocfs2iscsi.node.testing;

import io.ocfs2iscsi.node.host.Command;
import io.ocfs2iscsi.node.host.CommandResult;
import io.ocfs2iscsi.node.host.CommandRunner;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A fake CommandRunner: replays scripted (mostly captured) outputs and records every argv. Rules added later win
 * over earlier ones, so a test can override one answer of a scenario. A command no rule answers fails the test
 * (an AssertionError, which production code never catches).
 */
public final class FakeCommandRunner implements CommandRunner {

  /** What a command answers. */
  public record Reply(int exit, String stdout, String stderr) {
    public static Reply ok(String stdout) {
      return new Reply(0, stdout, "");
    }

    public static Reply ok() {
      return new Reply(0, "", "");
    }

    public static Reply fail(int exit, String stderr) {
      return new Reply(exit, "", stderr);
    }
  }

  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<List<String>> calls = new CopyOnWriteArrayList<>();
  private final List<String> inputs = new CopyOnWriteArrayList<>();

  /** A rule for exactly this argv. */
  public Rule on(String... argv) {
    Rule r = new Rule(List.of(argv), false);
    rules.add(r);
    return r;
  }

  /** A rule for every argv starting with this prefix. */
  public Rule onPrefix(String... prefix) {
    Rule r = new Rule(List.of(prefix), true);
    rules.add(r);
    return r;
  }

  @Override
  public CommandResult run(Command command) {
    List<String> argv = command.argv();
    calls.add(argv);
    if (!command.stdin().isEmpty()) {
      inputs.add(String.join(" ", argv) + " <<< " + command.stdin());
    }
    for (int i = rules.size() - 1; i >= 0; i--) {
      Rule r = rules.get(i);
      if (r.matches(argv)) {
        Reply reply = r.answer(argv);
        return new CommandResult(command, reply.exit(), reply.stdout(), reply.stderr());
      }
    }
    throw new AssertionError("unexpected host command: " + String.join(" ", argv));
  }

  /** Every argv so far, in order, each joined with single spaces. */
  public List<String> calls() {
    return calls.stream().map(a -> String.join(" ", a)).toList();
  }

  /** Every command that was given input so far, as "argv <<< input", in order. */
  public List<String> inputs() {
    return List.copyOf(inputs);
  }

  public List<List<String>> argvs() {
    return List.copyOf(calls);
  }

  public void clearCalls() {
    calls.clear();
    inputs.clear();
  }

  /** Answers for one argv pattern: a sequence of replies (the last one repeats) or a function of the argv. */
  public static final class Rule {
    private final List<String> pattern;
    private final boolean prefix;
    private final List<Function<List<String>, Reply>> replies = new ArrayList<>();
    private int next;

    Rule(List<String> pattern, boolean prefix) {
      this.pattern = pattern;
      this.prefix = prefix;
    }

    boolean matches(List<String> argv) {
      return prefix
          ? argv.size() >= pattern.size() && argv.subList(0, pattern.size()).equals(pattern)
          : argv.equals(pattern);
    }

    /** The next reply; computed outside the rule's monitor, so that a reply that blocks blocks only its caller. */
    Reply answer(List<String> argv) {
      Function<List<String>, Reply> f;
      synchronized (this) {
        if (replies.isEmpty()) {
          return Reply.ok();
        }
        f = replies.get(Math.min(next, replies.size() - 1));
        next++;
      }
      return f.apply(argv);
    }

    public Rule reply(int exit, String stdout, String stderr) {
      Reply r = new Reply(exit, stdout, stderr);
      replies.add(a -> r);
      return this;
    }

    public Rule reply(Reply r) {
      replies.add(a -> r);
      return this;
    }

    /** A reply computed when the command runs (it can change the fake host, as the real command would). */
    public Rule answer(Function<List<String>, Reply> f) {
      replies.add(f);
      return this;
    }

    @Override
    public String toString() {
      return (prefix ? "prefix " : "") + Arrays.toString(pattern.toArray());
    }
  }
}
