package io.ocfs2iscsi.node.host;

/**
 * The one way host commands run. Implementations never use a shell, always apply the command's timeout, and
 * report a missing program as exit code 127 instead of throwing.
 */
public interface CommandRunner {

  CommandResult run(Command command);
}
