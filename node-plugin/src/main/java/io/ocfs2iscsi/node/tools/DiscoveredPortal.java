package io.ocfs2iscsi.node.tools;

/** One line of sendtargets discovery: a portal with its target portal group tag, offering one target. */
public record DiscoveredPortal(Portal portal, int tpgt, String target) {}
