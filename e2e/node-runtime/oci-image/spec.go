package main

import (
	"fmt"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/distribution/reference"
)

// imageSpec is what goes into the image: entries of its one layer and its runtime configuration.
type imageSpec struct {
	name       string // repository:tag
	tag        string
	aliases    []alias
	entries    []entry
	entrypoint []string
	cmd        []string
	env        []string
}

// alias is a second name of the same image, in the full form containerd stores names in.
type alias struct {
	name string // normalized: what kubelet and containerd's CRI look up for the name a pod spec gives
	tag  string
}

// addAlias adds a name given as a pod spec would give it (e.g. busybox:1.36), normalized as the CRI normalizes
// it, so that kubelet finds the image under that name without pulling. A tag is required: without one kubelet
// would pull (":latest" means Always).
func (s *imageSpec) addAlias(given string) error {
	named, err := reference.ParseNormalizedNamed(given)
	if err != nil {
		return fmt.Errorf("--alias %q: %w", given, err)
	}
	if _, digested := named.(reference.Digested); digested {
		return fmt.Errorf("--alias %q: must name a tag, not a digest", given)
	}
	tagged, ok := named.(reference.Tagged)
	if !ok || tagged.Tag() == "latest" {
		return fmt.Errorf("--alias %q: must have a tag other than latest (kubelet pulls untagged and :latest images)", given)
	}
	full := named.String()
	if full == s.name {
		return fmt.Errorf("--alias %q: is the image's --name", given)
	}
	for _, a := range s.aliases {
		if a.name == full {
			return fmt.Errorf("--alias %q: given twice", given)
		}
	}
	s.aliases = append(s.aliases, alias{name: full, tag: tagged.Tag()})
	return nil
}

type entryKind int

const (
	kindFile entryKind = iota
	kindDir
	kindSymlink
)

type entry struct {
	kind   entryKind
	path   string // absolute, clean, inside the image
	source string // kindFile: the file on this machine
	target string // kindSymlink
	mode   int64
}

// A reference as containerd names imported images: registry host (optional port), path components, a tag.
var (
	nameRE = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+:([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})$`)
	envRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
)

func parseSpec(name string, files, symlinks, dirs, entrypoint, cmd, env []string) (*imageSpec, error) {
	m := nameRE.FindStringSubmatch(name)
	if m == nil {
		return nil, fmt.Errorf("--name %q: must be a full reference HOST/PATH:TAG in lower case, e.g. localhost/e2e/pause:3.10", name)
	}
	s := &imageSpec{name: name, tag: m[len(m)-1], entrypoint: entrypoint, cmd: cmd}
	if len(entrypoint) == 0 && len(cmd) == 0 {
		return nil, fmt.Errorf("--entrypoint or --cmd: at least one argument is required")
	}
	hasPath := false
	for _, e := range env {
		if !envRE.MatchString(e) {
			return nil, fmt.Errorf("--env %q: must be KEY=VALUE with KEY of [A-Za-z_][A-Za-z0-9_]*", e)
		}
		hasPath = hasPath || strings.HasPrefix(e, "PATH=")
	}
	if !hasPath {
		env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, env...)
	}
	s.env = env

	seen := map[string]bool{}
	add := func(e entry) error {
		if seen[e.path] {
			return fmt.Errorf("%s: given twice", e.path)
		}
		seen[e.path] = true
		s.entries = append(s.entries, e)
		return nil
	}
	for _, f := range files {
		parts := strings.Split(f, ":")
		if len(parts) < 2 || len(parts) > 3 {
			return nil, fmt.Errorf("--file %q: must be SRC:DEST or SRC:DEST:MODE", f)
		}
		dest, err := imagePath(parts[1])
		if err != nil {
			return nil, fmt.Errorf("--file %q: %w", f, err)
		}
		mode := int64(0o644)
		if len(parts) == 3 {
			if mode, err = parseMode(parts[2]); err != nil {
				return nil, fmt.Errorf("--file %q: %w", f, err)
			}
		}
		info, err := os.Stat(parts[0])
		if err != nil {
			return nil, fmt.Errorf("--file %q: %w", f, err)
		}
		if !info.Mode().IsRegular() {
			return nil, fmt.Errorf("--file %q: %s is not a regular file", f, parts[0])
		}
		if err := add(entry{kind: kindFile, path: dest, source: parts[0], mode: mode}); err != nil {
			return nil, fmt.Errorf("--file %q: %w", f, err)
		}
	}
	for _, l := range symlinks {
		dest, target, ok := strings.Cut(l, "=")
		if !ok || target == "" {
			return nil, fmt.Errorf("--symlink %q: must be DEST=TARGET", l)
		}
		p, err := imagePath(dest)
		if err != nil {
			return nil, fmt.Errorf("--symlink %q: %w", l, err)
		}
		if err := add(entry{kind: kindSymlink, path: p, target: target, mode: 0o777}); err != nil {
			return nil, fmt.Errorf("--symlink %q: %w", l, err)
		}
	}
	for _, d := range dirs {
		dest, modeText, hasMode := strings.Cut(d, ":")
		p, err := imagePath(dest)
		if err != nil {
			return nil, fmt.Errorf("--dir %q: %w", d, err)
		}
		mode := int64(0o755)
		if hasMode {
			if mode, err = parseMode(modeText); err != nil {
				return nil, fmt.Errorf("--dir %q: %w", d, err)
			}
		}
		if err := add(entry{kind: kindDir, path: p, mode: mode}); err != nil {
			return nil, fmt.Errorf("--dir %q: %w", d, err)
		}
	}
	// Parent directories that were not given explicitly.
	for _, e := range append([]entry(nil), s.entries...) {
		for dir := path.Dir(e.path); dir != "/"; dir = path.Dir(dir) {
			if !seen[dir] {
				seen[dir] = true
				s.entries = append(s.entries, entry{kind: kindDir, path: dir, mode: 0o755})
			} else if !isDir(s.entries, dir) {
				return nil, fmt.Errorf("%s: is a parent of %s and not a directory", dir, e.path)
			}
		}
	}
	if len(s.entries) == 0 {
		return nil, fmt.Errorf("the image would be empty: give --file, --symlink or --dir")
	}
	return s, nil
}

func isDir(entries []entry, p string) bool {
	for _, e := range entries {
		if e.path == p {
			return e.kind == kindDir
		}
	}
	return false
}

// imagePath checks that p is an absolute, clean path below / (no "..", no trailing slash).
func imagePath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") || p == "/" || path.Clean(p) != p || strings.Contains(p, "/../") {
		return "", fmt.Errorf("image path %q must be absolute, clean and not /", p)
	}
	return p, nil
}

func parseMode(text string) (int64, error) {
	mode, err := strconv.ParseInt(text, 8, 32)
	if err != nil || mode < 0 || mode > 0o7777 {
		return 0, fmt.Errorf("mode %q must be octal 0000..7777", text)
	}
	return mode, nil
}
