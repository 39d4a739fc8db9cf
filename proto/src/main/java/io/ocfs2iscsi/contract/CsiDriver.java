package io.ocfs2iscsi.contract;

/** Identity of the CSI driver, shared by the operator (PV) and the node plugin (GetPluginInfo). */
public final class CsiDriver {

  private CsiDriver() {}

  public static final String NAME = "csi.ocfs2iscsi.io";
  public static final String FS_TYPE = "ocfs2";
}
