// Command oci-image writes a single-layer OCI image archive (an OCI image layout in a tar, what
// `ctr images import` reads) from files on this machine, without a registry, a daemon or a base image:
//
//	oci-image --name localhost/e2e/pause:3.10 --out pause.tar --file /path/to/pause:/pause:0755 --entrypoint /pause
//
// The archive is reproducible: the same inputs give the same bytes (fixed times, owners and order), so its digest
// identifies its content. The full name is stored in the index as io.containerd.image.name, which containerd uses
// as the image's name on import.
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, " ") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	var (
		name, out                              string
		files, symlinks, dirs, entry, cmd, env multiFlag
		aliases                                multiFlag
	)
	fs := flag.NewFlagSet("oci-image", flag.ExitOnError)
	fs.StringVar(&name, "name", "", "full image name with a tag, e.g. localhost/e2e/busybox:1.35.0 (required)")
	fs.StringVar(&out, "out", "", "the archive to write (required)")
	fs.Var(&files, "file", "SRC:DEST[:MODE] a file of this machine at DEST in the image, mode octal (default 0644)")
	fs.Var(&symlinks, "symlink", "DEST=TARGET a symbolic link in the image")
	fs.Var(&dirs, "dir", "DEST[:MODE] a directory in the image (parents of files are added anyway)")
	fs.Var(&entry, "entrypoint", "one argument of the entrypoint (repeat per argument)")
	fs.Var(&cmd, "cmd", "one argument of the default command (repeat per argument)")
	fs.Var(&aliases, "alias", "another name of the image as a pod spec gives it, with a tag, e.g. busybox:1.36 (normalized as kubelet's runtime does)")
	fs.Var(&env, "env", "KEY=VALUE in the image's environment (PATH has a default)")
	fs.Parse(os.Args[1:]) // nolint:errcheck // ExitOnError

	spec, err := parseSpec(name, files, symlinks, dirs, entry, cmd, env)
	for _, a := range aliases {
		if err == nil {
			err = spec.addAlias(a)
		}
	}
	if err == nil && out == "" {
		err = fmt.Errorf("--out: required")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		os.Exit(2)
	}
	digest, err := writeArchive(spec, out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "oci-image: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("%s %s %s\n", spec.name, digest, out)
	for _, a := range spec.aliases {
		fmt.Printf("%s %s %s\n", a.name, digest, out)
	}
}
