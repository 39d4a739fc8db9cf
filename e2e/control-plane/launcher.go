package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/component-base/version"
)

const dataDirPrefix = "k8s-control-plane-"

// readyInfo is what the launcher writes to --ready-file once the control plane is usable; Java tests poll for it.
type readyInfo struct {
	Kubeconfig     string  `json:"kubeconfig"`
	Server         string  `json:"server"`
	CAFile         string  `json:"caFile"`
	ClientCertFile string  `json:"clientCertFile"`
	ClientKeyFile  string  `json:"clientKeyFile"`
	Kubectl        string  `json:"kubectl"`
	Version        string  `json:"version"`
	DataDir        string  `json:"dataDir"`
	LogDir         string  `json:"logDir"`
	LauncherPID    int     `json:"launcherPid"`
	ReadySeconds   float64 `json:"readySeconds"`
	// NodeKubeconfigs maps each --node name to its kubelet's kubeconfig (client certificate CN=system:node:<name>,
	// O=system:nodes, as the Node authorizer expects).
	NodeKubeconfigs map[string]string `json:"nodeKubeconfigs,omitempty"`
	Scheduler       bool              `json:"scheduler"`

	// KubeProxyKubeconfig is the nodes' kube-proxy identity (CN=system:kube-proxy), written when --node is given.
	KubeProxyKubeconfig string `json:"kubeProxyKubeconfig,omitempty"`
}

type launchOptions struct {
	readyFile       string
	logDir          string
	timeout         time.Duration
	stopOnStdinEOF  bool
	keepDataDir     bool
	controllers     string
	serviceCIDR     string
	bindAddress     string
	scheduler       bool
	nodes           multiFlag
	apiserverArgs   multiFlag
	controllersArgs multiFlag
	schedulerArgs   multiFlag
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runLauncher() int {
	var o launchOptions
	fs := flag.NewFlagSet("launch", flag.ExitOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: k8s-local launch [flags]

Starts etcd, kube-apiserver and kube-controller-manager (and kube-scheduler with --scheduler) with fresh
certificates in a temporary directory, prints "export KUBECONFIG=..." when the API server is ready and the
controllers run, and stops everything (and removes the directory) on SIGINT/SIGTERM, on a component's death, or
(--stop-on-stdin-eof) when its parent goes away. Everything listens on 127.0.0.1, except kube-apiserver with
--bind-address (then only there: the one address the nodes reach).

`)
		fs.PrintDefaults()
	}
	fs.StringVar(&o.readyFile, "ready-file", "", "write a JSON description (kubeconfig, server URL, ...) here once ready; removed on exit")
	fs.StringVar(&o.logDir, "log-dir", "", "where the components' logs go (kept on exit); default: <data dir>/logs (removed on exit)")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "give up if not ready within this time")
	fs.BoolVar(&o.stopOnStdinEOF, "stop-on-stdin-eof", false, "stop when standard input is closed (the parent process died)")
	fs.BoolVar(&o.keepDataDir, "keep-data-dir", false, "do not remove the data directory on exit (debugging)")
	fs.StringVar(&o.controllers, "controllers", "*", "kube-controller-manager --controllers")
	fs.StringVar(&o.serviceCIDR, "service-cluster-ip-range", "10.0.0.0/24", "kube-apiserver --service-cluster-ip-range")
	fs.Var(&o.apiserverArgs, "apiserver-arg", "extra kube-apiserver flag, e.g. --apiserver-arg=--v=2 (repeatable)")
	fs.Var(&o.controllersArgs, "controller-manager-arg", "extra kube-controller-manager flag (repeatable)")
	fs.StringVar(&o.bindAddress, "bind-address", "127.0.0.1", "the IPv4 address kube-apiserver listens on and advertises (in its certificate too), e.g. the host end of a link to the nodes")
	fs.BoolVar(&o.scheduler, "scheduler", false, "also run kube-scheduler (needed when kubelets run pods)")
	fs.Var(&o.nodes, "node", "a node name whose kubelet gets a client certificate and a kubeconfig (repeatable); see the ready file's nodeKubeconfigs")
	fs.Var(&o.schedulerArgs, "scheduler-arg", "extra kube-scheduler flag (repeatable)")
	fs.Parse(os.Args[1:]) // nolint:errcheck // ExitOnError
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "launch: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if err := validateLaunchOptions(&o); err != nil {
		fmt.Fprintf(os.Stderr, "launch: %v\n", err)
		return 2
	}

	l := &launcher{opts: o, start: time.Now(), stopped: make(chan string, 8)}
	return l.run()
}

type launcher struct {
	opts    launchOptions
	start   time.Time
	dataDir string
	logDir  string

	mu       sync.Mutex
	children []*child
	stopped  chan string // a reason to stop: a signal, stdin EOF or a component's death
}

type child struct {
	name   string
	cmd    *exec.Cmd
	log    string
	done   chan struct{}
	err    error
	expect bool // the launcher is stopping it
}

func (l *launcher) logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[control-plane %5.1fs] %s\n", time.Since(l.start).Seconds(), fmt.Sprintf(format, args...))
}

func (l *launcher) run() (code int) {
	removeStaleDataDirs()

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		s := <-signals
		l.stopped <- "received " + s.String()
	}()
	if l.opts.stopOnStdinEOF {
		go func() {
			io.Copy(io.Discard, os.Stdin) // nolint:errcheck
			l.stopped <- "standard input closed (parent gone)"
		}()
	}

	var err error
	l.dataDir, err = os.MkdirTemp("", dataDirPrefix)
	if err != nil {
		l.logf("cannot create data dir: %v", err)
		return 1
	}
	defer l.cleanup()
	if err := os.WriteFile(filepath.Join(l.dataDir, "launcher.pid"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		l.logf("%v", err)
		return 1
	}
	l.logDir = l.opts.logDir
	if l.logDir == "" {
		l.logDir = filepath.Join(l.dataDir, "logs")
	}
	if err := os.MkdirAll(l.logDir, 0o755); err != nil {
		l.logf("%v", err)
		return 1
	}

	ctx, cancel := context.WithTimeout(context.Background(), l.opts.timeout)
	defer cancel()
	info, err := l.startAll(ctx)
	if err != nil {
		l.logf("FAILED: %v", err)
		l.dumpLogs()
		return 1
	}

	if l.opts.readyFile != "" {
		if err := writeFileAtomic(l.opts.readyFile, info); err != nil {
			l.logf("FAILED: ready file: %v", err)
			return 1
		}
		defer os.Remove(l.opts.readyFile)
	}
	fmt.Printf("control plane ready in %.1f s: Kubernetes %s at %s\n", info.ReadySeconds, info.Version, info.Server)
	fmt.Printf("kubectl: %s\n", info.Kubectl)
	fmt.Printf("logs: %s\n", l.logDir)
	fmt.Printf("export KUBECONFIG=%s\n", info.Kubeconfig)
	fmt.Println("(Ctrl-C stops it and removes everything)")

	reason := <-l.stopped
	l.logf("stopping: %s", reason)
	if strings.HasSuffix(reason, "exited") {
		l.dumpLogs()
		return 1
	}
	return 0
}

func (l *launcher) startAll(ctx context.Context) (*readyInfo, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdClient, etcdPeer, apiPort, schedulerPort := ports[0], ports[1], ports[2], ports[3]
	bindIP := net.ParseIP(l.opts.bindAddress)
	if bindIP.IsLoopback() {
		// The port was free on 127.0.0.1; it is the address clients have always used.
		bindIP = net.ParseIP("127.0.0.1")
	} else if apiPort, err = freePortOn(bindIP); err != nil {
		return nil, err
	}
	server := fmt.Sprintf("https://%s", net.JoinHostPort(bindIP.String(), strconv.Itoa(apiPort)))

	pkiDir := filepath.Join(l.dataDir, "pki")
	if err := os.MkdirAll(pkiDir, 0o700); err != nil {
		return nil, err
	}
	ca, err := newPKI(pkiDir)
	if err != nil {
		return nil, fmt.Errorf("CA: %w", err)
	}
	_, serviceNet, err := net.ParseCIDR(l.opts.serviceCIDR)
	if err != nil {
		return nil, fmt.Errorf("--service-cluster-ip-range: %w", err)
	}
	firstServiceIP := append(net.IP(nil), serviceNet.IP.To4()...)
	if firstServiceIP == nil {
		firstServiceIP = append(net.IP(nil), serviceNet.IP...)
	}
	firstServiceIP[len(firstServiceIP)-1]++
	serving, err := ca.issue("apiserver", "kube-apiserver", nil,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		uniqueIPs(net.ParseIP("127.0.0.1"), net.IPv6loopback, firstServiceIP, bindIP), true)
	if err != nil {
		return nil, fmt.Errorf("apiserver certificate: %w", err)
	}
	admin, err := ca.issue("admin", "kubernetes-admin", []string{"system:masters"}, nil, nil, false)
	if err != nil {
		return nil, fmt.Errorf("admin certificate: %w", err)
	}
	kcm, err := ca.issue("controller-manager", "system:kube-controller-manager", nil, nil, nil, false)
	if err != nil {
		return nil, fmt.Errorf("controller-manager certificate: %w", err)
	}
	saKey, saPub, err := serviceAccountKeys(pkiDir)
	if err != nil {
		return nil, fmt.Errorf("service-account keys: %w", err)
	}
	caPEM, err := os.ReadFile(ca.caFile)
	if err != nil {
		return nil, err
	}
	adminKubeconfig := filepath.Join(l.dataDir, "admin.kubeconfig")
	if err := writeKubeconfig(adminKubeconfig, "local", server, caPEM, "admin", admin); err != nil {
		return nil, err
	}
	kcmKubeconfig := filepath.Join(l.dataDir, "controller-manager.kubeconfig")
	if err := writeKubeconfig(kcmKubeconfig, "local", server, caPEM, "system:kube-controller-manager", kcm); err != nil {
		return nil, err
	}
	nodeKubeconfigs, err := l.nodeCredentials(ca, server, caPEM)
	if err != nil {
		return nil, err
	}
	kubeProxyKubeconfig, err := l.kubeProxyCredentials(ca, server, caPEM)
	if err != nil {
		return nil, err
	}
	// kube-apiserver's client certificate towards the kubelets (logs, exec, port-forward).
	kubeletClient, err := ca.issue("apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil, nil, false)
	if err != nil {
		return nil, fmt.Errorf("apiserver-kubelet-client certificate: %w", err)
	}
	l.logf("certificates and kubeconfigs written to %s", l.dataDir)

	// etcd
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	if err := l.spawn(self, "etcd",
		"--data-dir="+filepath.Join(l.dataDir, "etcd"),
		"--listen-client-url="+etcdURL,
		fmt.Sprintf("--listen-peer-url=http://127.0.0.1:%d", etcdPeer),
	); err != nil {
		return nil, err
	}
	plain := &http.Client{Timeout: 2 * time.Second}
	if err := l.waitFor(ctx, "etcd", func() (bool, string) {
		return get(plain, etcdURL+"/health", `"health":"true"`)
	}); err != nil {
		return nil, err
	}
	l.logf("etcd ready at %s", etcdURL)

	// kube-apiserver
	apiserverArgs := []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=" + bindIP.String(),
		"--advertise-address=" + bindIP.String(),
		fmt.Sprintf("--secure-port=%d", apiPort),
		"--cert-dir=" + filepath.Join(l.dataDir, "apiserver"),
		"--tls-cert-file=" + serving.CertFile,
		"--tls-private-key-file=" + serving.KeyFile,
		"--client-ca-file=" + ca.caFile,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + saPub,
		"--service-account-signing-key-file=" + saKey,
		"--service-cluster-ip-range=" + l.opts.serviceCIDR,
		"--kubelet-client-certificate=" + kubeletClient.CertFile,
		"--kubelet-client-key=" + kubeletClient.KeyFile,
		// The nodes' InternalIP is their address on the link the API server is bound to.
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--allow-privileged=true",
		"--profiling=false",
	}
	if bindIP.IsLoopback() {
		// Endpoints may not hold loopback addresses, so the "kubernetes" Service's endpoints are not maintained.
		apiserverArgs = append(apiserverArgs, "--endpoint-reconciler-type=none")
	}
	if err := l.spawn(self, "kube-apiserver", append(apiserverArgs, l.opts.apiserverArgs...)...); err != nil {
		return nil, err
	}
	adminClient, err := tlsClient(caPEM, admin)
	if err != nil {
		return nil, err
	}
	if err := l.waitFor(ctx, "kube-apiserver /readyz", func() (bool, string) {
		return get(adminClient, server+"/readyz", "ok")
	}); err != nil {
		return nil, err
	}
	l.logf("kube-apiserver ready at %s", server)

	// kube-controller-manager
	kcmArgs := []string{
		"--kubeconfig=" + kcmKubeconfig,
		"--controllers=" + l.opts.controllers,
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + saKey,
		"--root-ca-file=" + ca.caFile,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0", // no serving: readiness is judged by what the controllers do
		// Otherwise it creates /usr/libexec/kubernetes/kubelet-plugins/volume/exec on the host.
		"--flex-volume-plugin-dir=" + filepath.Join(l.dataDir, "flexvolume"),
		"--cluster-signing-cert-file=" + ca.caFile,
		"--cluster-signing-key-file=" + filepath.Join(pkiDir, "ca.key"),
		"--profiling=false",
	}
	if err := l.spawn(self, "kube-controller-manager", append(kcmArgs, l.opts.controllersArgs...)...); err != nil {
		return nil, err
	}
	// The service-account controller creating default/default proves the controllers run with their own
	// credentials (token requests work).
	if err := l.waitFor(ctx, "kube-controller-manager (service account default/default)", func() (bool, string) {
		return get(adminClient, server+"/api/v1/namespaces/default/serviceaccounts/default", `"name":"default"`)
	}); err != nil {
		return nil, err
	}
	l.logf("kube-controller-manager running")

	if l.opts.scheduler {
		if err := l.startScheduler(ctx, self, ca, server, caPEM, schedulerPort); err != nil {
			return nil, err
		}
	}

	info := &readyInfo{
		Kubeconfig:      adminKubeconfig,
		Server:          server,
		CAFile:          ca.caFile,
		ClientCertFile:  admin.CertFile,
		ClientKeyFile:   admin.KeyFile,
		Kubectl:         filepath.Join(filepath.Dir(self), "kubectl"),
		Version:         version.Get().GitVersion,
		DataDir:         l.dataDir,
		LogDir:          l.logDir,
		LauncherPID:     os.Getpid(),
		ReadySeconds:    time.Since(l.start).Seconds(),
		NodeKubeconfigs: nodeKubeconfigs,
		Scheduler:       l.opts.scheduler,
	}
	info.KubeProxyKubeconfig = kubeProxyKubeconfig
	return info, nil
}

// spawn starts a component as a child process in its own process group, with its output in logDir/name.log.
// Pdeathsig kills it if the launcher dies without cleaning up (even by SIGKILL).
func (l *launcher) spawn(self, name string, args ...string) error {
	logPath := filepath.Join(l.logDir, name+".log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(self, append([]string{name}, args...)...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Stdin = nil
	cmd.Dir = l.dataDir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, log: logPath, done: make(chan struct{})}
	l.mu.Lock()
	l.children = append(l.children, c)
	l.mu.Unlock()
	go func() {
		c.err = cmd.Wait()
		logFile.Close()
		close(c.done)
		l.mu.Lock()
		expected := c.expect
		l.mu.Unlock()
		if !expected {
			l.stopped <- fmt.Sprintf("%s (pid %d) %v: exited", name, cmd.Process.Pid, c.err)
		}
	}()
	l.logf("started %s (pid %d), log %s", name, cmd.Process.Pid, logPath)
	return nil
}

// waitFor polls check until it succeeds, the deadline passes, or a stop reason arrives (a component died).
func (l *launcher) waitFor(ctx context.Context, what string, check func() (bool, string)) error {
	last := ""
	for {
		ok, detail := check()
		if ok {
			return nil
		}
		last = detail
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready after %s (last: %s)", what, l.opts.timeout, last)
		case reason := <-l.stopped:
			l.stopped <- reason // run() reports it again after cleanup... keep it for the caller
			return fmt.Errorf("waiting for %s: %s", what, reason)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// cleanup stops the children (SIGTERM, then SIGKILL to the whole process group) and removes the data dir.
func (l *launcher) cleanup() {
	l.mu.Lock()
	children := append([]*child(nil), l.children...)
	for _, c := range children {
		c.expect = true
	}
	l.mu.Unlock()
	// Reverse start order: controllers first, etcd last.
	for i := len(children) - 1; i >= 0; i-- {
		syscall.Kill(-children[i].cmd.Process.Pid, syscall.SIGTERM) // nolint:errcheck
	}
	// The data is thrown away, so a short grace period is enough (kube-apiserver drains watches for much longer).
	grace, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for i := len(children) - 1; i >= 0; i-- {
		select {
		case <-children[i].done:
		case <-grace.Done():
		}
	}
	for _, c := range children {
		select {
		case <-c.done:
		default:
			l.logf("%s did not stop within 1 s, killing it", c.name)
		}
		syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL) // nolint:errcheck // also any process it left in its group
		<-c.done
	}
	if l.dataDir != "" && !l.opts.keepDataDir {
		if err := os.RemoveAll(l.dataDir); err != nil {
			l.logf("cannot remove %s: %v", l.dataDir, err)
		}
	}
	l.logf("stopped")
}

func (l *launcher) dumpLogs() {
	l.mu.Lock()
	children := append([]*child(nil), l.children...)
	l.mu.Unlock()
	for _, c := range children {
		fmt.Fprintf(os.Stderr, "---- last lines of %s ----\n", c.log)
		fmt.Fprint(os.Stderr, tail(c.log, 25))
	}
}

func tail(path string, n int) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error() + "\n"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	if len(lines) == 0 {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// removeStaleDataDirs removes data dirs of launchers that died without cleaning up (SIGKILL); their children
// died with them (Pdeathsig).
func removeStaleDataDirs() {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), dataDirPrefix+"*"))
	for _, dir := range matches {
		b, err := os.ReadFile(filepath.Join(dir, "launcher.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.RemoveAll(dir) // nolint:errcheck
		}
	}
}

func freePorts(n int) ([]int, error) {
	var listeners []net.Listener
	defer func() {
		for _, ln := range listeners {
			ln.Close()
		}
	}()
	ports := make([]int, 0, n)
	for i := 0; i < n; i++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("free port on 127.0.0.1: %w", err)
		}
		listeners = append(listeners, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func get(client *http.Client, url, want string) (bool, string) {
	resp, err := client.Get(url)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64*1024))
	if resp.StatusCode == http.StatusOK && strings.Contains(string(body), want) {
		return true, ""
	}
	return false, fmt.Sprintf("%s: HTTP %d %s", url, resp.StatusCode, strings.TrimSpace(string(body)))
}

func tlsClient(caPEM []byte, cert *certFiles) (*http.Client, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("CA certificate not parseable")
	}
	pair, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
	if err != nil {
		return nil, err
	}
	return &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{
			RootCAs: pool, Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12,
		}},
	}, nil
}

func writeKubeconfig(path, cluster, server string, caPEM []byte, user string, cert *certFiles) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[cluster] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{ClientCertificateData: cert.CertPEM, ClientKeyData: cert.KeyPEM}
	cfg.Contexts[cluster] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: user, Namespace: "default"}
	cfg.CurrentContext = cluster
	return clientcmd.WriteToFile(*cfg, path)
}

func writeFileAtomic(path string, info *readyInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
