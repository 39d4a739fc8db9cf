// Command k8s-local is one multi-call binary holding a real, local Kubernetes control plane: the upstream
// kube-apiserver, kube-controller-manager and kubectl commands (built from their own packages of the pinned
// k8s.io/kubernetes release), an etcd member (go.etcd.io/etcd/server/v3/embed) and a launcher that runs them as
// separate processes on 127.0.0.1.
//
// The component is chosen by the name the binary is called by (bin/kubectl is a symlink to it) or by the first
// argument:
//
//	k8s-local launch [flags]                 start etcd, kube-apiserver and kube-controller-manager; see launch -h
//	k8s-local kubectl ...                    the real kubectl
//	k8s-local kube-apiserver ...             the real kube-apiserver
//	k8s-local kube-controller-manager ...    the real kube-controller-manager
//	k8s-local etcd ...                       one etcd member (embed); see etcd -h
//	k8s-local version                        the Kubernetes release it was built from
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The names a component answers to, as argv[0] (symlink) or as first argument.
var components = map[string]func() int{
	"launch":                  runLauncher,
	"kubectl":                 runKubectl,
	"kube-apiserver":          runAPIServer,
	"kube-controller-manager": runControllerManager,
	"kube-scheduler":          runScheduler,
	"etcd":                    runEtcd,
	"version":                 runVersion,
}

func main() {
	name := filepath.Base(os.Args[0])
	if _, ok := components[name]; !ok {
		if len(os.Args) < 2 {
			usage()
			os.Exit(2)
		}
		name = os.Args[1]
		if _, ok := components[name]; !ok {
			usage()
			os.Exit(2)
		}
		// Each upstream command reads os.Args itself (kubectl's plugin handling, cobra), so make the
		// subcommand look like the program name.
		os.Args = append([]string{name}, os.Args[2:]...)
	}
	os.Exit(components[name]())
}

func usage() {
	names := make([]string, 0, len(components))
	for n := range components {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "usage: k8s-local {%s} [args...]\n", strings.Join(names, "|"))
}
