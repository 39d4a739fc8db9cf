package main

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/distribution/reference"
)

// readTar returns the regular files and the headers of a tar by name.
func readTar(t *testing.T, data []byte) (map[string][]byte, map[string]*tar.Header) {
	t.Helper()
	files, headers := map[string][]byte{}, map[string]*tar.Header{}
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files, headers
		}
		if err != nil {
			t.Fatal(err)
		}
		headers[h.Name] = h
		if h.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = b
		}
	}
}

func blobOf(t *testing.T, files map[string][]byte, d descriptor) []byte {
	t.Helper()
	b, ok := files["blobs/sha256/"+strings.TrimPrefix(d.Digest, "sha256:")]
	if !ok {
		t.Fatalf("blob %s missing", d.Digest)
	}
	sum := sha256.Sum256(b)
	if got := "sha256:" + hex.EncodeToString(sum[:]); got != d.Digest || int64(len(b)) != d.Size {
		t.Fatalf("blob %s: content has digest %s and size %d, descriptor says size %d", d.Digest, got, len(b), d.Size)
	}
	return b
}

func TestArchiveIsAValidLayoutWithTheFilesAndName(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "busybox")
	if err := os.WriteFile(src, []byte("not really busybox"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := parseSpec("localhost/e2e/busybox:1.35.0",
		[]string{src + ":/bin/busybox:0755"}, []string{"/bin/sh=busybox"}, []string{"/tmp:1777"},
		[]string{"/bin/sh"}, []string{"-c", "echo hi"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "image.tar")
	digest, err := writeArchive(spec, out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := readTar(t, data)
	if string(files["oci-layout"]) != `{"imageLayoutVersion":"1.0.0"}` {
		t.Fatalf("oci-layout: %q", files["oci-layout"])
	}
	var index struct{ Manifests []descriptor }
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 1 || index.Manifests[0].Digest != digest {
		t.Fatalf("index manifests %+v, want one with digest %s", index.Manifests, digest)
	}
	if got := index.Manifests[0].Annotations; got[annotationImageName] != "localhost/e2e/busybox:1.35.0" || got[annotationRefName] != "1.35.0" {
		t.Fatalf("annotations %v", got)
	}
	var manifest struct {
		Config descriptor
		Layers []descriptor
	}
	if err := json.Unmarshal(blobOf(t, files, index.Manifests[0]), &manifest); err != nil {
		t.Fatal(err)
	}
	var config struct {
		Config struct{ Entrypoint, Cmd, Env []string }
		Rootfs struct {
			DiffIDs []string `json:"diff_ids"`
		}
	}
	if err := json.Unmarshal(blobOf(t, files, manifest.Config), &config); err != nil {
		t.Fatal(err)
	}
	if len(manifest.Layers) != 1 || len(config.Rootfs.DiffIDs) != 1 || config.Rootfs.DiffIDs[0] != manifest.Layers[0].Digest {
		t.Fatalf("layers %+v, diff ids %v: want one uncompressed layer whose digest is its diff id", manifest.Layers, config.Rootfs.DiffIDs)
	}
	if strings.Join(config.Config.Entrypoint, " ") != "/bin/sh" || strings.Join(config.Config.Cmd, " ") != "-c echo hi" ||
		len(config.Config.Env) != 1 || !strings.HasPrefix(config.Config.Env[0], "PATH=") {
		t.Fatalf("config %+v", config.Config)
	}
	layerFiles, layerHeaders := readTar(t, blobOf(t, files, manifest.Layers[0]))
	if string(layerFiles["bin/busybox"]) != "not really busybox" || layerHeaders["bin/busybox"].Mode != 0o755 {
		t.Fatalf("bin/busybox: %q mode %o", layerFiles["bin/busybox"], layerHeaders["bin/busybox"].Mode)
	}
	if h := layerHeaders["bin/sh"]; h == nil || h.Typeflag != tar.TypeSymlink || h.Linkname != "busybox" {
		t.Fatalf("bin/sh: %+v", h)
	}
	if h := layerHeaders["bin/"]; h == nil || h.Typeflag != tar.TypeDir {
		t.Fatalf("parent directory bin/ missing: %+v", h)
	}
	if h := layerHeaders["tmp/"]; h == nil || h.Mode != 0o1777 {
		t.Fatalf("tmp/: %+v", h)
	}

	again := filepath.Join(dir, "again.tar")
	if _, err := writeArchive(spec, again); err != nil {
		t.Fatal(err)
	}
	data2, _ := os.ReadFile(again)
	if !bytes.Equal(data, data2) {
		t.Fatal("two archives of the same inputs differ")
	}
}

func TestBadInputIsRejectedNamingTheFlag(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "f")
	if err := os.WriteFile(src, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, want string
		files      []string
		links      []string
	}{
		{"busybox", "--name", []string{src + ":/f"}, nil},
		{"localhost/e2e/busybox", "--name", []string{src + ":/f"}, nil},
		{"localhost/e2e/x:1", "--file", []string{src + ":relative"}, nil},
		{"localhost/e2e/x:1", "--file", []string{src + ":/a/../b"}, nil},
		{"localhost/e2e/x:1", "--file", []string{src + ":/f:999"}, nil},
		{"localhost/e2e/x:1", "--file", []string{dir + ":/f"}, nil},
		{"localhost/e2e/x:1", "--symlink", nil, []string{"/bin/sh"}},
		{"localhost/e2e/x:1", "not a directory", []string{src + ":/f"}, []string{"/f/g=x"}},
	}
	for _, c := range cases {
		_, err := parseSpec(c.name, c.files, c.links, nil, []string{"/f"}, nil, nil)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v %v: error %v, want one naming %q", c.name, c.files, c.links, err, c.want)
		}
	}
}

func TestAnAliasIsASecondIndexEntryUnderTheNameThePodSpecGives(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "busybox")
	if err := os.WriteFile(src, []byte("not really busybox"), 0o600); err != nil {
		t.Fatal(err)
	}
	spec, err := parseSpec("localhost/e2e/busybox:1.35.0", []string{src + ":/bin/busybox:0755"}, nil, nil, []string{"/bin/busybox"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.addAlias("busybox:1.36"); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "image.tar")
	digest, err := writeArchive(spec, out)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	files, _ := readTar(t, data)
	var index struct{ Manifests []descriptor }
	if err := json.Unmarshal(files["index.json"], &index); err != nil {
		t.Fatal(err)
	}
	if len(index.Manifests) != 2 || index.Manifests[0].Digest != digest || index.Manifests[1].Digest != digest {
		t.Fatalf("index manifests %+v, want two entries of manifest %s", index.Manifests, digest)
	}
	if got := index.Manifests[0].Annotations[annotationImageName]; got != "localhost/e2e/busybox:1.35.0" {
		t.Fatalf("first name %q", got)
	}
	// The stored name is the full one containerd's CRI looks up, and it reads back as what the pod spec says.
	stored := index.Manifests[1].Annotations[annotationImageName]
	named, err := reference.ParseNamed(stored)
	if err != nil {
		t.Fatalf("alias %q is not a full reference: %v", stored, err)
	}
	if reference.FamiliarString(named) != "busybox:1.36" || reference.Domain(named) == "" ||
		index.Manifests[1].Annotations[annotationRefName] != "1.36" {
		t.Fatalf("alias stored as %q (familiar %q), ref name %q", stored, reference.FamiliarString(named), index.Manifests[1].Annotations[annotationRefName])
	}
}

func TestBadAliasesAreRejectedNamingTheFlag(t *testing.T) {
	spec := &imageSpec{name: "localhost/e2e/busybox:1.35.0", tag: "1.35.0"}
	for alias, want := range map[string]string{
		"busybox":        "tag other than latest",
		"busybox:latest": "tag other than latest",
		"Busybox:1.36":   "--alias",
		"busybox@sha256:" + strings.Repeat("0", 64): "not a digest",
		"localhost/e2e/busybox:1.35.0":              "is the image's --name",
	} {
		if err := spec.addAlias(alias); err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "--alias") {
			t.Errorf("alias %q: error %v, want one naming --alias and %q", alias, err, want)
		}
	}
	if err := spec.addAlias("busybox:1.36"); err != nil {
		t.Fatal(err)
	}
	if err := spec.addAlias("busybox:1.36"); err == nil || !strings.Contains(err.Error(), "given twice") {
		t.Errorf("the same alias twice: error %v", err)
	}
}
