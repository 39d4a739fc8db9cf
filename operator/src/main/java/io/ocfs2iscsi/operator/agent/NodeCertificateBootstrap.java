package io.ocfs2iscsi.operator.agent;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.ocfs2iscsi.agent.v1.AgentCertificatesGrpc;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenRequest;
import io.ocfs2iscsi.agent.v1.GetIdentityTokenResponse;
import io.ocfs2iscsi.agent.v1.InstallCertificateRequest;
import io.ocfs2iscsi.contract.tls.ReloadingKeyManager;
import io.ocfs2iscsi.operator.tls.NodeCertificateIssuer;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets one node agent its own certificate: dials it accepting the certificate it shows (self-signed, expiring, or
 * of a replaced CA), asks for its identity token, has the issuer check it and sign the key of that handshake, and
 * installs the result. The agent serves it from its next connection.
 */
final class NodeCertificateBootstrap {

  private static final Logger LOG = LoggerFactory.getLogger(NodeCertificateBootstrap.class);

  private final ReloadingKeyManager keys;
  private final NodeCertificateIssuer issuer;

  NodeCertificateBootstrap(ReloadingKeyManager keys, NodeCertificateIssuer issuer) {
    this.keys = keys;
    this.issuer = issuer;
  }

  /** True when the node now has a certificate of the issuer. */
  boolean run(String node, String endpoint) {
    AcceptAnyAgent seen = new AcceptAnyAgent();
    ManagedChannel channel;
    try {
      channel = NettyChannelBuilder.forTarget(endpoint)
          .sslContext(GrpcSslContexts.forClient().keyManager(keys).trustManager(seen).build())
          .build();
    } catch (SSLException e) {
      LOG.warn("cannot set up TLS to issue node {}'s certificate: {}", node, e.getMessage());
      return false;
    }
    try {
      GetIdentityTokenResponse identity = stub(channel).getIdentityToken(GetIdentityTokenRequest.getDefaultInstance());
      if (!node.equals(identity.getNodeName())) {
        LOG.warn("the agent at {} says it is node {}, not {}: no certificate issued", endpoint,
            identity.getNodeName(), node);
        return false;
      }
      String chain = issuer.issue(node, seen.shown().getPublicKey(), identity.getToken());
      String until = stub(channel).installCertificate(
          InstallCertificateRequest.newBuilder().setCertificateChainPem(chain).build()).getNotAfter();
      LOG.info("issued node {} its agent certificate (valid until {})", node, until);
      return true;
    } catch (NodeCertificateIssuer.Refused e) {
      LOG.warn("{} (agent at {})", e.getMessage(), endpoint);
      return false;
    } catch (StatusRuntimeException e) {
      LOG.warn("cannot issue node {} its agent certificate at {}: {}", node, endpoint, AgentErrors.describe(e));
      return false;
    } catch (RuntimeException e) {
      LOG.warn("cannot issue node {} its agent certificate at {}: {}", node, endpoint, e.getMessage());
      return false;
    } finally {
      channel.shutdownNow();
    }
  }

  private static AgentCertificatesGrpc.AgentCertificatesBlockingStub stub(ManagedChannel channel) {
    return AgentCertificatesGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }
}
