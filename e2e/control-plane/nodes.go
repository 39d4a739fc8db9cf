package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"
)

// A node name as kubelet registers it: a lower-case DNS-1123 subdomain.
var nodeNameRE = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

func validateLaunchOptions(o *launchOptions) error {
	ip := net.ParseIP(o.bindAddress)
	if ip == nil || ip.To4() == nil {
		return fmt.Errorf("--bind-address %q: must be an IPv4 address of this host", o.bindAddress)
	}
	if ip.IsUnspecified() {
		return fmt.Errorf("--bind-address %q: must be one address, not all of them (the nodes reach the API server over one link)", o.bindAddress)
	}
	seen := map[string]bool{}
	for _, n := range o.nodes {
		if len(n) > 253 || !nodeNameRE.MatchString(n) {
			return fmt.Errorf("--node %q: must be a lower-case DNS-1123 subdomain (a-z, 0-9, '-', '.'), at most 253 characters", n)
		}
		if seen[n] {
			return fmt.Errorf("--node %q: given twice", n)
		}
		seen[n] = true
	}
	return nil
}

// nodeCredentials issues each --node a client certificate as the Node authorizer and NodeRestriction expect
// (CN=system:node:<name>, O=system:nodes) and writes <data dir>/nodes/<name>.kubeconfig with it embedded.
func (l *launcher) nodeCredentials(ca *pki, server string, caPEM []byte) (map[string]string, error) {
	if len(l.opts.nodes) == 0 {
		return nil, nil
	}
	dir := filepath.Join(l.dataDir, "nodes")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	kubeconfigs := map[string]string{}
	for _, name := range l.opts.nodes {
		user := "system:node:" + name
		cert, err := ca.issue("node-"+name, user, []string{"system:nodes"}, nil, nil, false)
		if err != nil {
			return nil, fmt.Errorf("node %s certificate: %w", name, err)
		}
		path := filepath.Join(dir, name+".kubeconfig")
		if err := writeKubeconfig(path, "local", server, caPEM, user, cert); err != nil {
			return nil, err
		}
		kubeconfigs[name] = path
	}
	l.logf("kubeconfigs for nodes %v written to %s", []string(l.opts.nodes), dir)
	return kubeconfigs, nil
}

// kubeProxyCredentials issues the client certificate of the nodes' kube-proxy (CN=system:kube-proxy, the user the
// API server's bootstrap ClusterRoleBinding system:node-proxier binds) and writes <data dir>/kube-proxy.kubeconfig
// with it embedded. kube-proxy runs on the nodes beside kubelet, not as a pod (it is what makes Services work for
// pods, so it must not need one), and one identity serves every node, as the bootstrap binding has it.
func (l *launcher) kubeProxyCredentials(ca *pki, server string, caPEM []byte) (string, error) {
	if len(l.opts.nodes) == 0 {
		return "", nil
	}
	const user = "system:kube-proxy"
	cert, err := ca.issue("kube-proxy", user, nil, nil, nil, false)
	if err != nil {
		return "", fmt.Errorf("kube-proxy certificate: %w", err)
	}
	path := filepath.Join(l.dataDir, "kube-proxy.kubeconfig")
	if err := writeKubeconfig(path, "local", server, caPEM, user, cert); err != nil {
		return "", err
	}
	return path, nil
}

// startScheduler runs kube-scheduler with its own identity (system:kube-scheduler, bound by the API server's
// bootstrap RBAC) and a serving certificate of the local CA on 127.0.0.1, and waits for its /readyz.
func (l *launcher) startScheduler(ctx context.Context, self string, ca *pki, server string, caPEM []byte, port int) error {
	client, err := ca.issue("scheduler", "system:kube-scheduler", nil, nil, nil, false)
	if err != nil {
		return fmt.Errorf("scheduler certificate: %w", err)
	}
	serving, err := ca.issue("scheduler-serving", "kube-scheduler", nil, []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}, true)
	if err != nil {
		return fmt.Errorf("scheduler serving certificate: %w", err)
	}
	kubeconfig := filepath.Join(l.dataDir, "scheduler.kubeconfig")
	if err := writeKubeconfig(kubeconfig, "local", server, caPEM, "system:kube-scheduler", client); err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + serving.CertFile,
		"--tls-private-key-file=" + serving.KeyFile,
		"--profiling=false",
	}
	if err := l.spawn(self, "kube-scheduler", append(args, l.opts.schedulerArgs...)...); err != nil {
		return err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return errors.New("CA certificate not parseable")
	}
	// /readyz is one of kube-scheduler's always-allowed paths: no client certificate needed.
	probe := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
	}}
	url := fmt.Sprintf("https://127.0.0.1:%d/readyz", port)
	if err := l.waitFor(ctx, "kube-scheduler /readyz", func() (bool, string) { return get(probe, url, "ok") }); err != nil {
		return err
	}
	l.logf("kube-scheduler ready")
	return nil
}

// freePortOn returns a port that is free on ip (a non-loopback address of this host).
func freePortOn(ip net.IP) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(ip.String(), "0"))
	if err != nil {
		return 0, fmt.Errorf("--bind-address %s: %w (is it an address of this host?)", ip, err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func uniqueIPs(ips ...net.IP) []net.IP {
	var out []net.IP
	for _, ip := range ips {
		dup := false
		for _, o := range out {
			dup = dup || o.Equal(ip)
		}
		if !dup {
			out = append(out, ip)
		}
	}
	return out
}
