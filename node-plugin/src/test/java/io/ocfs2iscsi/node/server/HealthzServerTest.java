package io.ocfs2iscsi.node.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import csi.v1.IdentityGrpc;
import csi.v1.ProbeRequest;
import csi.v1.ProbeResponse;
import io.grpc.BindableService;
import io.grpc.stub.StreamObserver;
import io.ocfs2iscsi.node.grpc.GrpcErrors;
import io.ocfs2iscsi.node.grpc.IdentityService;
import io.ocfs2iscsi.node.info.KubeletRegistration;
import io.ocfs2iscsi.node.testing.FakeCommandRunner.Reply;
import io.ocfs2iscsi.node.testing.LogCapture;
import io.ocfs2iscsi.node.testing.ReferenceHost;
import java.net.ConnectException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /healthz over real HTTP, probing a real CSI server on a Unix socket the way the livenessprobe sidecar does: the
 * plugin's IdentityService over the reference host, or (a test seam) an Identity whose Probe never answers.
 */
class HealthzServerTest {

  private static final Duration SHORT_TIMEOUT = Duration.ofMillis(500);

  @TempDir Path dir;

  private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private Endpoint.Unix csiSocket() {
    return new Endpoint.Unix(dir.resolve("csi/csi.sock"));
  }

  private void serveCsi(BindableService identity) {
    open.add(GrpcServers.startCsi(csiSocket(), false, List.of(identity)));
  }

  private IdentityService identity(ReferenceHost host, KubeletRegistration registration) {
    return new IdentityService(new GrpcErrors(host.redactor), host.inventory(), registration, "0.1.0-test");
  }

  private HealthzServer healthz(Duration probeTimeout) {
    HealthzServer server = HealthzServer.start(new Endpoint.Tcp("127.0.0.1", 0), csiSocket(), probeTimeout);
    open.add(server);
    return server;
  }

  private HttpResponse<String> send(HealthzServer server, String method, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
        .timeout(Duration.ofSeconds(30)).method(method, HttpRequest.BodyPublishers.noBody()).build();
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> get(HealthzServer server) throws Exception {
    return send(server, "GET", "/healthz");
  }

  private static KubeletRegistration registration() {
    return new KubeletRegistration(Path.of("/var/lib/kubelet/plugins/csi.ocfs2iscsi.io/csi.sock"));
  }

  @Test
  void okWhenTheCsiProbeSaysReady() throws Exception {
    serveCsi(identity(new ReferenceHost(dir.resolve("host")), registration()));
    HealthzServer server = healthz(HealthzServer.PROBE_TIMEOUT);

    HttpResponse<String> r = get(server);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("ok");
  }

  @Test
  void aMissingHostToolGives500WithTheReason() throws Exception {
    ReferenceHost host = new ReferenceHost(dir.resolve("host"));
    host.fake.on("iscsiadm", "--version").reply(Reply.fail(127, "iscsiadm: not found"));
    serveCsi(identity(host, registration()));
    HealthzServer server = healthz(HealthzServer.PROBE_TIMEOUT);

    HttpResponse<String> r = get(server);

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).contains("not ready").contains("host tool");
  }

  @Test
  void followsKubeletsVerdictAndLogsOnlyTheChanges() throws Exception {
    KubeletRegistration registration = registration();
    serveCsi(identity(new ReferenceHost(dir.resolve("host")), registration));
    HealthzServer server = healthz(HealthzServer.PROBE_TIMEOUT);

    try (LogCapture logs = new LogCapture()) {
      assertThat(get(server).statusCode()).isEqualTo(200);
      registration.refused("name already registered");
      HttpResponse<String> refused = get(server);
      assertThat(get(server).statusCode()).isEqualTo(500);
      registration.registered();
      HttpResponse<String> again = get(server);

      assertThat(refused.statusCode()).isEqualTo(500);
      assertThat(refused.body()).contains("not ready").contains("kubelet refused");
      assertThat(again.statusCode()).isEqualTo(200);
      assertThat(logs.at(Level.WARN)).filteredOn(l -> l.contains("/healthz")).hasSize(1);
      assertThat(logs.at(Level.INFO)).anyMatch(l -> l.contains("/healthz answers 200 again"));
    }
  }

  @Test
  void aProbeThatHangsGives500WithinTheTimeout() throws Exception {
    CountDownLatch called = new CountDownLatch(1);
    serveCsi(new HangingIdentity(called));
    HealthzServer server = healthz(SHORT_TIMEOUT);

    long start = System.nanoTime();
    HttpResponse<String> r = get(server);
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(called.getCount()).as("the Probe reached the CSI server").isZero();
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).isEqualTo("CSI Probe did not answer within 500 ms");
    assertThat(took).isGreaterThanOrEqualTo(SHORT_TIMEOUT).isLessThan(SHORT_TIMEOUT.plusSeconds(3));
  }

  @Test
  void aHangingProbeDoesNotHoldUpTheNextRequest() throws Exception {
    serveCsi(new HangingIdentity(new CountDownLatch(1)));
    HealthzServer server = healthz(Duration.ofSeconds(3));

    var first = client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/healthz"))
        .build(), HttpResponse.BodyHandlers.ofString());
    Thread.sleep(200);
    HttpResponse<String> notFound = send(server, "GET", "/metrics");

    assertThat(notFound.statusCode()).isEqualTo(404);
    assertThat(first).isNotDone();
    assertThat(first.get().statusCode()).isEqualTo(500);
  }

  @Test
  void noCsiServerGives500AtOnce() throws Exception {
    HealthzServer server = healthz(HealthzServer.PROBE_TIMEOUT);

    long start = System.nanoTime();
    HttpResponse<String> r = get(server);

    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.body()).startsWith("CSI Probe failed: UNAVAILABLE");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HealthzServer.PROBE_TIMEOUT);
  }

  @Test
  void onlyGetOfHealthzIsServed() throws Exception {
    serveCsi(identity(new ReferenceHost(dir.resolve("host")), registration()));
    HealthzServer server = healthz(HealthzServer.PROBE_TIMEOUT);

    HttpResponse<String> post = send(server, "POST", "/healthz");

    assertThat(send(server, "GET", "/healthz/").statusCode()).isEqualTo(404);
    assertThat(send(server, "GET", "/").statusCode()).isEqualTo(404);
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).contains("GET");
  }

  @Test
  void aPortInUseIsRefusedNamingTheFlag() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      assertThatThrownBy(() -> HealthzServer.start(
              new Endpoint.Tcp("127.0.0.1", taken.getLocalPort()), csiSocket(), HealthzServer.PROBE_TIMEOUT))
          .hasMessageContaining("--healthz-endpoint 127.0.0.1:" + taken.getLocalPort());
    }
  }

  @Test
  void closedServerNoLongerAnswers() throws Exception {
    HealthzServer server = HealthzServer.start(new Endpoint.Tcp("127.0.0.1", 0), csiSocket(),
        HealthzServer.PROBE_TIMEOUT);
    int port = server.port();
    server.close();

    assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/healthz"))
        .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(ConnectException.class);
  }

  /** Test seam: a CSI Identity whose Probe is received and never answered (a plugin stuck on a host command). */
  private static final class HangingIdentity extends IdentityGrpc.IdentityImplBase {
    private final CountDownLatch called;

    HangingIdentity(CountDownLatch called) {
      this.called = called;
    }

    @Override
    public void probe(ProbeRequest request, StreamObserver<ProbeResponse> observer) {
      called.countDown();
    }
  }
}
