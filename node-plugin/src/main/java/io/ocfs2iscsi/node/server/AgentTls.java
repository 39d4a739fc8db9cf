package io.ocfs2iscsi.node.server;

import java.nio.file.Path;

/**
 * The node agent's mutual TLS: its server certificate and key, the CA its clients' certificates must chain to, and
 * the one client identity (a URI subject alternative name) allowed to call it: the operator's.
 */
public record AgentTls(Path cert, Path key, Path ca, String clientIdentity) {}
