package io.ocfs2iscsi.e2e.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.ocfs2iscsi.agent.v1.ApplyClusterResponse;
import io.ocfs2iscsi.agent.v1.FormatVolumeResponse;
import io.ocfs2iscsi.agent.v1.SetNodeSlotsResponse;
import io.ocfs2iscsi.agent.v1.VolumeSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** Scratch: the node slots scenario alone (folded into NodePluginScenariosTest). */
@Tag("e2e")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeSlotsScratchTest {

  static final String N1 = "node1";
  static final String N2 = "node2";
  static final Duration CMD = Duration.ofSeconds(60);
  final VolumeSpec vol2 = ReferenceVolume.volume2();
  final Report report = Report.shared();
  PluginBed bed;
  Kubelet kubelet;

  @BeforeAll
  void startBed() {
    bed = PluginBed.start("512M");
    kubelet = new Kubelet(bed);
    for (String n : bed.nodes()) {
      ApplyClusterResponse r = bed.applyCluster(n, ReferenceVolume.cluster(bed.bed(), "1"));
      assertThat(r.getOnline()).isTrue();
    }
  }

  @AfterAll
  void stopBed() throws IOException {
    System.out.println("e2e report:\n" + report.json());
    if (bed != null) {
      bed.close();
    }
  }

  // ---- node slots: a node joins a filesystem that has no free slot once one is added ------------------------------

  /**
   * Target 2's LUN (free again after the user stack's scenarios, o2cb online again) gets an OCFS2 with one node
   * slot. node1 mounts it; node2's stage fails (no free slot); slots cannot be added while node1 mounts it (neither
   * from node1 nor from node2, where tunefs.ocfs2 sees node1's mount through the cluster lock); once node1 unmounted
   * it, SetNodeSlots on node2 adds a slot and both nodes mount the same data.
   */
  @Test
  @Order(19)
  void aSecondNodeJoinsAFilesystemMadeWithOneSlotOnceASlotIsAdded() throws Exception {
    long start = System.nanoTime();
    VolumeSpec one = vol2.toBuilder().setFilesystem(vol2.getFilesystem().toBuilder().setNodeSlots(1)).build();
    String device = "/dev/mapper/" + one.getMultipath().getAlias();
    // Whatever an earlier scenario left on the LUN goes, on the host (no initiator is logged in to it).
    NodePluginScenariosTest.host(Duration.ofMinutes(1), "wipefs", "-a", "-q",
        bed.bed().runEnv().getProperty("E2E_LUN2_FILE"));
    FormatVolumeResponse formatted = bed.format(N1, one);
    assertThat(formatted.getOutcome()).as("%s; %s", formatted, bed.diagnostics(N1))
        .isEqualTo(FormatVolumeResponse.Outcome.FORMATTED);
    kubelet.stage(N1, one);
    String file = Kubelet.stagingPath(one.getVolumeId()) + "/slots.bin";
    bed.run(N1, CMD, "dd", "if=/dev/urandom", "of=" + file, "bs=1M", "count=4", "conv=fsync", "status=none");
    String sum = sha256sum(N1, file);
    Path captured = Files.createDirectories(Path.of("target", "slots-captured"));

    long t = System.nanoTime();
    StatusRuntimeException full = catchThrowableOfType(() -> kubelet.stage(N2, one), StatusRuntimeException.class);
    report.put("node_slots", "stage_without_free_slot_failed_after_seconds", secondsSince(t));
    String kernel = bed.run(N2, CMD, "bash", "-c", "dmesg | grep -iE 'ocfs2|o2hb|slot' | tail -20");
    Files.writeString(captured.resolve("node2-stage-no-free-slot.txt"), full == null ? "(no error)\n"
        : full.getStatus().getCode() + ": " + full.getStatus().getDescription() + "\n");
    Files.writeString(captured.resolve("node2-dmesg-no-free-slot.txt"), kernel);
    report.put("node_slots", "stage_without_free_slot_error", full == null ? null : full.getStatus().toString());
    captureRaw(captured, N2, "mounted-ocfs2-f-one-slot-taken", "mounted.ocfs2", "-f", device);
    bed.run(N2, CMD, "mkdir", "-p", "/tmp/slots-mnt");
    captureRaw(captured, N2, "mount-ocfs2-no-free-slot", "mount", "-t", "ocfs2", device, "/tmp/slots-mnt");
    assertThat(full).as("node2 stages a filesystem with one slot that node1 mounts; %s", bed.diagnostics(N2))
        .isNotNull();
    assertThat(full.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(full.getStatus().getDescription())
        .contains("all 1 node slots of the OCFS2 filesystem on " + device + " are in use (mounted on node1)");

    StatusRuntimeException onMounter =
        catchThrowableOfType(() -> bed.setNodeSlots(N1, one, 2), StatusRuntimeException.class);
    assertThat(onMounter).isNotNull();
    assertThat(onMounter.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(onMounter.getStatus().getDescription()).contains("is mounted on this node (" + device + " at ");
    StatusRuntimeException whileMounted =
        catchThrowableOfType(() -> bed.setNodeSlots(N2, one, 2), StatusRuntimeException.class);
    Files.writeString(captured.resolve("set-node-slots-while-node1-mounts.txt"), whileMounted == null
        ? "(no error)\n" : whileMounted.getStatus().getCode() + ": " + whileMounted.getStatus().getDescription()
        + "\n");
    captureRaw(captured, N2, "tunefs-ocfs2-N-other-node-mounts", "tunefs.ocfs2", "-N", "2", device);
    captureRaw(captured, N2, "tunefs-ocfs2-Q-one-slot", "tunefs.ocfs2", "-Q", "%N\\n", device);
    report.put("node_slots", "set_while_other_node_mounts_error",
        whileMounted == null ? null : whileMounted.getStatus().toString());
    assertThat(whileMounted).as("SetNodeSlots on node2 while node1 mounts; %s", bed.diagnostics(N2)).isNotNull();
    assertThat(whileMounted.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(whileMounted.getStatus().getDescription()).contains("while a node of the cluster mounts it");

    kubelet.unstage(N1, one);
    t = System.nanoTime();
    SetNodeSlotsResponse added = bed.setNodeSlots(N2, one, 2);
    report.put("node_slots", "set_node_slots_1_to_2_seconds", secondsSince(t));
    report.put("node_slots", "tunefs_N_seconds", added.getTunefsMillis() / 1000.0);
    captureRaw(captured, N2, "tunefs-ocfs2-Q-two-slots", "tunefs.ocfs2", "-Q", "%N\\n", device);
    assertThat(added.getSlotsBefore()).as("%s", added).isEqualTo(1);
    assertThat(added.getSlotsAfter()).isEqualTo(2);
    assertThat(added.getChanged()).isTrue();
    assertThat(bed.setNodeSlots(N2, one, 2).getChanged()).as("the same count again changes nothing").isFalse();

    for (String n : List.of(N1, N2)) {
      t = System.nanoTime();
      kubelet.stage(n, one);
      report.put("node_slots", "stage_" + n + "_after_slot_added_seconds", secondsSince(t));
    }
    for (String n : List.of(N1, N2)) {
      assertThat(sha256sum(n, file)).as("the data node1 wrote, read on %s", n).isEqualTo(sum);
    }
    for (String n : List.of(N1, N2)) {
      kubelet.unstage(n, one);
      assertThat(bed.exec(n, CMD, "iscsiadm", "-m", "session").stdout()).as("sessions on %s", n)
          .doesNotContain(ReferenceVolume.TARGET2_IQN);
    }
    report.put("node_slots", "added_ci_seconds", secondsSince(start));
  }

  String sha256sum(String node, String file) {
    return bed.run(node, CMD, "sha256sum", file).split(" ")[0];
  }

  /** A host command's raw output, repeated by hand on the guest, for the parser fixtures (with its exit code). */
  void captureRaw(Path dir, String node, String name, String... argv) throws IOException {
    TestBed.ExecResult r = bed.exec(node, CMD, argv);
    Files.writeString(dir.resolve(name + ".txt"), r.stdout());
    if (!r.stderr().isEmpty()) {
      Files.writeString(dir.resolve(name + ".stderr.txt"), r.stderr());
    }
    Files.writeString(dir.resolve(name + ".exit"), r.exitCode() + " " + String.join(" ", argv) + "\n");
  }

  static double secondsSince(long nanos) {
    return Report.round((System.nanoTime() - nanos) / 1e9);
  }
}
