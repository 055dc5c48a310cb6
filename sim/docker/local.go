package docker

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// LocalDir is the console's local directory, the "host" side of docker cp,
// save -o and load -i. The console runs on no real machine, so it is
// virtual: it holds the editor's files (the build context) as they are at
// each command, plus whatever docker cp and docker save wrote there in this
// session, which lives as long as the session.
const LocalDir = "/home/learner"

// MaxLocalBytes bounds what the local directory holds beyond the editor's
// files: a saved tar or a copied tree that would pass it is refused.
const MaxLocalBytes = 64 << 20

// local is the console's local directory.
type local struct {
	max     int64 // MaxLocalBytes, or less in tests
	fs      *union.Overlay
	written map[string]bool // paths docker wrote: the editor's files no longer replace them
}

// localFS brings the local directory up to date with the editor's files and
// returns it.
func (c *Console) localFS() (shell.FS, error) {
	if c.home == nil {
		c.home = &local{max: MaxLocalBytes, fs: union.NewOverlay(union.New(), union.Hooks{}), written: map[string]bool{}}
		if err := c.home.fs.MkdirAll(LocalDir, 0o755); err != nil {
			return nil, err
		}
	}
	ctxFS := c.eng.Context()
	if ctxFS == nil {
		return c.home.fs, nil
	}
	err := fs.WalkDir(ctxFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return err
		}
		dst := path.Join(LocalDir, p)
		if c.home.written[dst] {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return c.home.fs.MkdirAll(dst, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := fs.ReadFile(ctxFS, p)
		if err != nil {
			return err
		}
		return c.home.fs.WriteFile(dst, data, 0o644)
	})
	return c.home.fs, err
}

// localPath makes a path of the local directory absolute: relative paths
// start in LocalDir, and ~ is LocalDir too.
func localPath(p string) string {
	switch {
	case p == "~":
		return LocalDir
	case strings.HasPrefix(p, "~/"):
		p = LocalDir + p[1:]
	case !strings.HasPrefix(p, "/"):
		p = LocalDir + "/" + p
	}
	return path.Clean(p)
}

// LocalFile reads a file of the console's local directory, as a saved tar.
func (c *Console) LocalFile(name string) ([]byte, error) {
	lfs, err := c.localFS()
	if err != nil {
		return nil, err
	}
	return lfs.ReadFile(localPath(name))
}

// localBytes is what the session's writes to the local directory hold.
func (c *Console) localBytes() int64 {
	if c.home == nil {
		return 0
	}
	var n int64
	for p := range c.home.written {
		if node, err := c.home.fs.Lstat(p); err == nil {
			n += int64(len(node.Data))
		}
	}
	return n
}

// dumpLocal writes what the session wrote to the local directory, for
// DumpState: each path with its size and content's digest.
func (c *Console) dumpLocal(w io.Writer) {
	if c.home == nil {
		return
	}
	paths := make([]string, 0, len(c.home.written))
	for p := range c.home.written {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if n, err := c.home.fs.Lstat(p); err == nil {
			fmt.Fprintf(w, "local %s %d %x\n", p, n.Size, sha256.Sum256(n.Data))
		}
	}
}
