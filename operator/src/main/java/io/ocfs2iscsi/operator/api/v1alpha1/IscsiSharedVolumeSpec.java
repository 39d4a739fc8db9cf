package io.ocfs2iscsi.operator.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class IscsiSharedVolumeSpec {

  /** What the operator does when a volume's failover can block I/O longer than o2cb's dead time. */
  public enum TimeoutCheck {
    /** Refuse the volume (Ready=False, reason TimeoutsIncoherent). */
    Enforce,
    /** Publish it anyway with a TimeoutsCoherent=False condition and a warning Event. */
    Warn
  }

  @Required
  @JsonPropertyDescription("The iSCSI target, LUN and portals.")
  private TargetSpec target;

  @JsonPropertyDescription("The dm-multipath map over all portals.")
  private MultipathSpec multipath = new MultipathSpec();

  @Required
  @JsonPropertyDescription("The OCFS2 filesystem on the LUN.")
  private FilesystemSpec filesystem;

  @Required
  @JsonPropertyDescription("The PersistentVolume (and optional claim) that pods use.")
  private PersistentVolumeSpec persistentVolume;

  @Default("Enforce")
  @JsonPropertyDescription(
      "Enforce (default) refuses a volume whose path failover can block I/O longer than the o2cb disk heartbeat"
          + " dead time, since the node would fence itself; Warn publishes it with a warning.")
  private TimeoutCheck timeoutCheck = TimeoutCheck.Enforce;

  public TargetSpec getTarget() { return target; }

  public void setTarget(TargetSpec target) { this.target = target; }

  public MultipathSpec getMultipath() { return multipath; }

  public void setMultipath(MultipathSpec multipath) { this.multipath = multipath; }

  public FilesystemSpec getFilesystem() { return filesystem; }

  public void setFilesystem(FilesystemSpec filesystem) { this.filesystem = filesystem; }

  public PersistentVolumeSpec getPersistentVolume() { return persistentVolume; }

  public void setPersistentVolume(PersistentVolumeSpec persistentVolume) { this.persistentVolume = persistentVolume; }

  public TimeoutCheck getTimeoutCheck() { return timeoutCheck; }

  public void setTimeoutCheck(TimeoutCheck timeoutCheck) { this.timeoutCheck = timeoutCheck; }
}
