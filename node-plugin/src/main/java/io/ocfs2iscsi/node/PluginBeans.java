package io.ocfs2iscsi.node;

import io.micronaut.context.annotation.Factory;
import io.ocfs2iscsi.node.cluster.ClusterStack;
import io.ocfs2iscsi.node.grpc.GrpcErrors;
import io.ocfs2iscsi.node.grpc.IdentityService;
import io.ocfs2iscsi.node.grpc.NodeAgentService;
import io.ocfs2iscsi.node.grpc.NodeService;
import io.ocfs2iscsi.node.grpc.RegistrationService;
import io.ocfs2iscsi.node.host.CountingCommandRunner;
import io.ocfs2iscsi.node.host.HostFiles;
import io.ocfs2iscsi.node.host.ProcessCommandRunner;
import io.ocfs2iscsi.node.host.SecretRedactor;
import io.ocfs2iscsi.node.host.Sleeper;
import io.ocfs2iscsi.node.info.HostInventory;
import io.ocfs2iscsi.node.info.KubeletRegistration;
import io.ocfs2iscsi.node.info.NetworkAddresses;
import io.ocfs2iscsi.node.metrics.HealthCounters;
import io.ocfs2iscsi.node.metrics.NodeMetrics;
import io.ocfs2iscsi.node.state.StateStore;
import io.ocfs2iscsi.node.tools.HostTools;
import io.ocfs2iscsi.node.volume.KubeletPaths;
import io.ocfs2iscsi.node.volume.PathRepairer;
import io.ocfs2iscsi.node.volume.TargetLocks;
import io.ocfs2iscsi.node.volume.Timing;
import io.ocfs2iscsi.node.volume.VolumeExpander;
import io.ocfs2iscsi.node.volume.VolumeFormatter;
import io.ocfs2iscsi.node.volume.VolumeInspector;
import io.ocfs2iscsi.node.volume.VolumeSlots;
import io.ocfs2iscsi.node.volume.VolumeLocks;
import io.ocfs2iscsi.node.volume.VolumePublisher;
import io.ocfs2iscsi.node.volume.VolumeStager;
import jakarta.inject.Singleton;
import java.time.Clock;

/**
 * The object graph, built by Micronaut from the one {@link PluginConfig} that Main registers. The classes
 * themselves stay free of DI annotations, so that tests build them by hand over a fake host.
 */
@Factory
public class PluginBeans {

  @Singleton
  SecretRedactor redactor() {
    return new SecretRedactor();
  }

  @Singleton
  CountingCommandRunner commands(PluginConfig config, SecretRedactor redactor) {
    return new CountingCommandRunner(new ProcessCommandRunner(config.hostMode(), redactor));
  }

  @Singleton
  HostTools hostTools(PluginConfig config, SecretRedactor redactor, CountingCommandRunner commands) {
    return HostTools.create(commands, HostFiles.of(config.hostMode()), config.hostMode(), Sleeper.REAL, redactor);
  }

  @Singleton
  HealthCounters healthCounters() {
    return new HealthCounters(Clock.systemUTC());
  }

  @Singleton
  NodeMetrics metrics(
      StateStore state, VolumeInspector inspector, HealthCounters counters, CountingCommandRunner commands) {
    return new NodeMetrics(state::volumes, inspector, counters, commands);
  }

  @Singleton
  StateStore stateStore(PluginConfig config) {
    return new StateStore(config.stateDir());
  }

  @Singleton
  KubeletPaths kubeletPaths(PluginConfig config, HostTools host) {
    return new KubeletPaths(config.kubeletDir(), host.files());
  }

  @Singleton
  VolumeLocks volumeLocks() {
    return new VolumeLocks();
  }

  @Singleton
  TargetLocks targetLocks() {
    return new TargetLocks();
  }

  @Singleton
  ClusterStack clusterStack(HostTools host, StateStore state) {
    return new ClusterStack(host, state);
  }

  @Singleton
  VolumeStager stager(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, ClusterStack cluster,
      TargetLocks targets, KubeletPaths kubelet, NodeMetrics metrics) {
    return new VolumeStager(host, state, locks, redactor, Timing.DEFAULT, cluster, targets, kubelet, metrics);
  }

  @Singleton
  VolumePublisher publisher(HostTools host, StateStore state, VolumeLocks locks, KubeletPaths kubelet) {
    return new VolumePublisher(host, state, locks, kubelet);
  }

  @Singleton
  VolumeFormatter formatter(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, ClusterStack cluster,
      TargetLocks targets, NodeMetrics metrics) {
    return new VolumeFormatter(host, state, locks, redactor, Timing.DEFAULT, cluster, targets, metrics);
  }

  @Singleton
  VolumeExpander expander(HostTools host, StateStore state, VolumeLocks locks) {
    return new VolumeExpander(host, state, locks);
  }

  @Singleton
  VolumeSlots slots(
      HostTools host, StateStore state, VolumeLocks locks, SecretRedactor redactor, ClusterStack cluster,
      TargetLocks targets) {
    return new VolumeSlots(host, state, locks, redactor, Timing.DEFAULT, cluster, targets);
  }

  @Singleton
  VolumeInspector inspector(HostTools host, StateStore state, PathRepairer repairer, HealthCounters counters) {
    return new VolumeInspector(host, state, repairer, counters);
  }

  @Singleton
  PathRepairer pathRepairer(HostTools host, StateStore state, VolumeLocks locks, TargetLocks targets) {
    return new PathRepairer(host, state, locks, targets, Timing.DEFAULT);
  }

  @Singleton
  HostInventory inventory(PluginConfig config, HostTools host, ClusterStack cluster) {
    return new HostInventory(
        host, cluster, NetworkAddresses.SYSTEM, config.nodeId(), PluginVersion.get(), config.o2cbAddress(),
        Clock.systemUTC());
  }

  @Singleton
  GrpcErrors grpcErrors(SecretRedactor redactor) {
    return new GrpcErrors(redactor);
  }

  @Singleton
  KubeletRegistration kubeletRegistration(PluginConfig config) {
    return new KubeletRegistration(config.kubeletRegistrationPath());
  }

  @Singleton
  IdentityService identity(GrpcErrors errors, HostInventory inventory, KubeletRegistration registration) {
    return new IdentityService(errors, inventory, registration, PluginVersion.get());
  }

  @Singleton
  RegistrationService registration(GrpcErrors errors, KubeletRegistration registration) {
    return new RegistrationService(errors, registration);
  }

  @Singleton
  NodeService node(
      PluginConfig config, GrpcErrors errors, VolumeStager stager, VolumePublisher publisher,
      VolumeInspector inspector) {
    return new NodeService(errors, stager, publisher, inspector, config.nodeId());
  }

  @Singleton
  NodeAgentService agent(
      GrpcErrors errors, HostInventory inventory, ClusterStack cluster, VolumeFormatter formatter,
      VolumeInspector inspector, VolumeExpander expander, VolumeSlots slots) {
    return new NodeAgentService(errors, inventory, cluster, formatter, inspector, expander, slots);
  }
}
