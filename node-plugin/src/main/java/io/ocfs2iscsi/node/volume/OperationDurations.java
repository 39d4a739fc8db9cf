package io.ocfs2iscsi.node.volume;

import java.util.Locale;
import java.util.Map;

/** Where the volume operations report how long they took (the node plugin's metrics). */
public interface OperationDurations {

  enum Operation {
    STAGE,
    UNSTAGE,
    FORMAT;

    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** One call of {@code operation} ended after {@code nanos}, succeeded or not. */
  void observe(Operation operation, boolean succeeded, long nanos);

  /** The steps of a successful stage (iscsi_login, wwid, multipath, o2cb, mount) and their nanoseconds. */
  void observeStageSteps(Map<String, Long> stepNanos);

  OperationDurations NONE = new OperationDurations() {
    @Override
    public void observe(Operation operation, boolean succeeded, long nanos) {}

    @Override
    public void observeStageSteps(Map<String, Long> stepNanos) {}
  };
}
