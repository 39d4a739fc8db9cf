package io.ocfs2iscsi.node.host;

/**
 * Masks held secrets in what a command said before anything else sees it: stderr always, stdout of failed
 * commands (which ends up in error messages). The stdout of successful commands is data for the parsers and stays
 * as it is; CHAP secrets never appear in it.
 */
public final class RedactingCommandRunner implements CommandRunner {

  private final CommandRunner inner;
  private final SecretRedactor redactor;

  public RedactingCommandRunner(CommandRunner inner, SecretRedactor redactor) {
    this.inner = inner;
    this.redactor = redactor;
  }

  @Override
  public CommandResult run(Command command) {
    CommandResult r = inner.run(command);
    return new CommandResult(
        r.command(), r.exitCode(), r.ok() ? r.stdout() : redactor.redact(r.stdout()), redactor.redact(r.stderr()));
  }
}
