// Command kubelet is k8s.io/kubernetes/cmd/kubelet's main, built from the same pinned release and build cache as
// k8s-local. It is a binary of its own, not a k8s-local component, because it runs inside the test bed's guests:
// every package linked into a Go binary runs its init functions, and k8s-local's API server, controllers, etcd
// and kubectl would cost each guest tens of MiB of memory for nothing.
package main

import (
	"context"
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as the upstream main registers it
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as the upstream main registers them
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as the upstream main registers it
	"k8s.io/kubernetes/cmd/kubelet/app"
)

func main() {
	os.Exit(cli.Run(app.NewKubeletCommand(context.Background())))
}
