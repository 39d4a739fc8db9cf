package io.ocfs2iscsi.node.volume;

import java.util.concurrent.ExecutionException;

/** What a task run on another thread threw, thrown again on the caller's thread as it was. */
final class TaskFailures {

  private TaskFailures() {}

  /** The task's own RuntimeException or Error; anything else (a checked exception) wrapped. */
  static RuntimeException rethrow(ExecutionException e) {
    if (e.getCause() instanceof RuntimeException r) {
      throw r;
    }
    if (e.getCause() instanceof Error err) {
      throw err;
    }
    throw new IllegalStateException(e.getCause());
  }
}
