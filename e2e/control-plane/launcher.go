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

// startAll starts the components in order, each once the one before it is ready: etcd, kube-apiserver,
// kube-controller-manager and (when asked for) kube-scheduler.
func (l *launcher) startAll(ctx context.Context) (*readyInfo, error) {
	cp, err := l.prepare()
	if err != nil {
		return nil, err
	}
	if err := l.startEtcd(ctx, cp); err != nil {
		return nil, err
	}
	if err := l.startAPIServer(ctx, cp); err != nil {
		return nil, err
	}
	if err := l.startControllerManager(ctx, cp); err != nil {
		return nil, err
	}
	if l.opts.scheduler {
		if err := l.startScheduler(ctx, cp.self, cp.ca, cp.server, cp.caPEM, cp.schedulerPort); err != nil {
			return nil, err
		}
	}
	return l.ready(cp), nil
}

// controlPlane is what the components share: their addresses, certificates and kubeconfigs.
type controlPlane struct {
	self                string // this binary: every component runs as one of its subcommands
	etcdURL             string
	etcdPeerPort        int
	bindIP              net.IP
	apiPort             int
	schedulerPort       int
	server              string
	pkiDir              string
	ca                  *pki
	caPEM               []byte
	serving             *certFiles
	admin               *certFiles
	kubeletClient       *certFiles
	saKey, saPub        string
	adminKubeconfig     string
	kcmKubeconfig       string
	nodeKubeconfigs     map[string]string
	kubeProxyKubeconfig string
	adminClient         *http.Client // set once kube-apiserver runs
}

// prepare picks the ports and writes the certificates and kubeconfigs of every component.
func (l *launcher) prepare() (*controlPlane, error) {
	cp := &controlPlane{}
	var err error
	cp.self, err = os.Executable()
	if err != nil {
		return nil, err
	}
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	etcdClient := ports[0]
	cp.etcdPeerPort, cp.apiPort, cp.schedulerPort = ports[1], ports[2], ports[3]
	cp.etcdURL = fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	cp.bindIP = net.ParseIP(l.opts.bindAddress)
	if cp.bindIP.IsLoopback() {
		// The port was free on 127.0.0.1; it is the address clients have always used.
		cp.bindIP = net.ParseIP("127.0.0.1")
	} else if cp.apiPort, err = freePortOn(cp.bindIP); err != nil {
		return nil, err
	}
	cp.server = fmt.Sprintf("https://%s", net.JoinHostPort(cp.bindIP.String(), strconv.Itoa(cp.apiPort)))

	cp.pkiDir = filepath.Join(l.dataDir, "pki")
	if err := os.MkdirAll(cp.pkiDir, 0o700); err != nil {
		return nil, err
	}
	cp.ca, err = newPKI(cp.pkiDir)
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
	cp.serving, err = cp.ca.issue("apiserver", "kube-apiserver", nil,
		[]string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
		uniqueIPs(net.ParseIP("127.0.0.1"), net.IPv6loopback, firstServiceIP, cp.bindIP), true)
	if err != nil {
		return nil, fmt.Errorf("apiserver certificate: %w", err)
	}
	cp.admin, err = cp.ca.issue("admin", "kubernetes-admin", []string{"system:masters"}, nil, nil, false)
	if err != nil {
		return nil, fmt.Errorf("admin certificate: %w", err)
	}
	kcm, err := cp.ca.issue("controller-manager", "system:kube-controller-manager", nil, nil, nil, false)
	if err != nil {
		return nil, fmt.Errorf("controller-manager certificate: %w", err)
	}
	cp.saKey, cp.saPub, err = serviceAccountKeys(cp.pkiDir)
	if err != nil {
		return nil, fmt.Errorf("service-account keys: %w", err)
	}
	cp.caPEM, err = os.ReadFile(cp.ca.caFile)
	if err != nil {
		return nil, err
	}
	cp.adminKubeconfig = filepath.Join(l.dataDir, "admin.kubeconfig")
	if err := writeKubeconfig(cp.adminKubeconfig, "local", cp.server, cp.caPEM, "admin", cp.admin); err != nil {
		return nil, err
	}
	cp.kcmKubeconfig = filepath.Join(l.dataDir, "controller-manager.kubeconfig")
	if err := writeKubeconfig(cp.kcmKubeconfig, "local", cp.server, cp.caPEM, "system:kube-controller-manager", kcm); err != nil {
		return nil, err
	}
	cp.nodeKubeconfigs, err = l.nodeCredentials(cp.ca, cp.server, cp.caPEM)
	if err != nil {
		return nil, err
	}
	cp.kubeProxyKubeconfig, err = l.kubeProxyCredentials(cp.ca, cp.server, cp.caPEM)
	if err != nil {
		return nil, err
	}
	// kube-apiserver's client certificate towards the kubelets (logs, exec, port-forward).
	cp.kubeletClient, err = cp.ca.issue("apiserver-kubelet-client", "kube-apiserver-kubelet-client", []string{"system:masters"}, nil, nil, false)
	if err != nil {
		return nil, fmt.Errorf("apiserver-kubelet-client certificate: %w", err)
	}
	l.logf("certificates and kubeconfigs written to %s", l.dataDir)
	return cp, nil
}

func (l *launcher) startEtcd(ctx context.Context, cp *controlPlane) error {
	if err := l.spawn(cp.self, "etcd",
		"--data-dir="+filepath.Join(l.dataDir, "etcd"),
		"--listen-client-url="+cp.etcdURL,
		fmt.Sprintf("--listen-peer-url=http://127.0.0.1:%d", cp.etcdPeerPort),
	); err != nil {
		return err
	}
	plain := &http.Client{Timeout: 2 * time.Second}
	if err := l.waitFor(ctx, "etcd", func() (bool, string) {
		return get(plain, cp.etcdURL+"/health", `"health":"true"`)
	}); err != nil {
		return err
	}
	l.logf("etcd ready at %s", cp.etcdURL)
	return nil
}

func (l *launcher) startAPIServer(ctx context.Context, cp *controlPlane) error {
	args := []string{
		"--etcd-servers=" + cp.etcdURL,
		"--bind-address=" + cp.bindIP.String(),
		"--advertise-address=" + cp.bindIP.String(),
		fmt.Sprintf("--secure-port=%d", cp.apiPort),
		"--cert-dir=" + filepath.Join(l.dataDir, "apiserver"),
		"--tls-cert-file=" + cp.serving.CertFile,
		"--tls-private-key-file=" + cp.serving.KeyFile,
		"--client-ca-file=" + cp.ca.caFile,
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + cp.saPub,
		"--service-account-signing-key-file=" + cp.saKey,
		"--service-cluster-ip-range=" + l.opts.serviceCIDR,
		"--kubelet-client-certificate=" + cp.kubeletClient.CertFile,
		"--kubelet-client-key=" + cp.kubeletClient.KeyFile,
		// The nodes' InternalIP is their address on the link the API server is bound to.
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--allow-privileged=true",
		"--profiling=false",
	}
	if cp.bindIP.IsLoopback() {
		// Endpoints may not hold loopback addresses, so the "kubernetes" Service's endpoints are not maintained.
		args = append(args, "--endpoint-reconciler-type=none")
	}
	if err := l.spawn(cp.self, "kube-apiserver", append(args, l.opts.apiserverArgs...)...); err != nil {
		return err
	}
	var err error
	cp.adminClient, err = tlsClient(cp.caPEM, cp.admin)
	if err != nil {
		return err
	}
	if err := l.waitFor(ctx, "kube-apiserver /readyz", func() (bool, string) {
		return get(cp.adminClient, cp.server+"/readyz", "ok")
	}); err != nil {
		return err
	}
	l.logf("kube-apiserver ready at %s", cp.server)
	return nil
}

func (l *launcher) startControllerManager(ctx context.Context, cp *controlPlane) error {
	args := []string{
		"--kubeconfig=" + cp.kcmKubeconfig,
		"--controllers=" + l.opts.controllers,
		"--use-service-account-credentials=true",
		"--service-account-private-key-file=" + cp.saKey,
		"--root-ca-file=" + cp.ca.caFile,
		"--leader-elect=false",
		"--bind-address=127.0.0.1",
		"--secure-port=0", // no serving: readiness is judged by what the controllers do
		// Otherwise it creates /usr/libexec/kubernetes/kubelet-plugins/volume/exec on the host.
		"--flex-volume-plugin-dir=" + filepath.Join(l.dataDir, "flexvolume"),
		"--cluster-signing-cert-file=" + cp.ca.caFile,
		"--cluster-signing-key-file=" + filepath.Join(cp.pkiDir, "ca.key"),
		"--profiling=false",
	}
	if err := l.spawn(cp.self, "kube-controller-manager", append(args, l.opts.controllersArgs...)...); err != nil {
		return err
	}
	// The service-account controller creating default/default proves the controllers run with their own
	// credentials (token requests work).
	if err := l.waitFor(ctx, "kube-controller-manager (service account default/default)", func() (bool, string) {
		return get(cp.adminClient, cp.server+"/api/v1/namespaces/default/serviceaccounts/default", `"name":"default"`)
	}); err != nil {
		return err
	}
	l.logf("kube-controller-manager running")
	return nil
}

// ready is what the ready file and the printed summary tell the callers.
func (l *launcher) ready(cp *controlPlane) *readyInfo {
	return &readyInfo{
		Kubeconfig:          cp.adminKubeconfig,
		Server:              cp.server,
		CAFile:              cp.ca.caFile,
		ClientCertFile:      cp.admin.CertFile,
		ClientKeyFile:       cp.admin.KeyFile,
		Kubectl:             filepath.Join(filepath.Dir(cp.self), "kubectl"),
		Version:             version.Get().GitVersion,
		DataDir:             l.dataDir,
		LogDir:              l.logDir,
		LauncherPID:         os.Getpid(),
		ReadySeconds:        time.Since(l.start).Seconds(),
		NodeKubeconfigs:     cp.nodeKubeconfigs,
		KubeProxyKubeconfig: cp.kubeProxyKubeconfig,
		Scheduler:           l.opts.scheduler,
	}
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
