// Command kube-proxy is k8s.io/kubernetes/cmd/kube-proxy's main, built from the same pinned release and build cache
// as k8s-local and kubelet. It is a binary of its own for the reason kubelet is: it runs inside the test bed's
// guests, where k8s-local's other components would cost memory for nothing.
package main

import (
	"os"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as the upstream main registers it
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics, as the upstream main registers them
	_ "k8s.io/component-base/metrics/prometheus/version"  // version metric, as the upstream main registers it
	"k8s.io/kubernetes/cmd/kube-proxy/app"
)

func main() {
	os.Exit(cli.Run(app.NewProxyCommand()))
}
