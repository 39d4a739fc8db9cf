package io.ocfs2iscsi.node.info;

/** A host tool: how to ask its version, and the package that provides it (for the "missing" message). */
record ToolCheck(String name, String pkg, boolean required, String... versionArgv) {}
