package docker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// maxCopyEntries bounds how many files one docker cp copies.
const maxCopyEntries = 10000

// cpArg splits a docker cp argument into a container and a path, as the
// CLI does: a path that starts with / or . is local, whatever it holds.
func cpArg(arg string) (container, p string) {
	if strings.HasPrefix(arg, "/") || strings.HasPrefix(arg, ".") {
		return "", arg
	}
	if c, rest, ok := strings.Cut(arg, ":"); ok {
		return c, rest
	}
	return "", arg
}

// cp is docker cp between a container and the console's local directory
// (LocalDir: the editor's files and what this session wrote there).
func (c *Console) cp(ctx context.Context, f *flagSet, args []string, out io.Writer) error {
	srcCt, srcPath := cpArg(args[0])
	dstCt, dstPath := cpArg(args[1])
	switch {
	case srcCt != "" && dstCt != "":
		return errors.New("copying between containers is not supported")
	case srcCt == "" && dstCt == "":
		return errors.New("must specify at least one container source")
	case srcPath == "-" || dstPath == "-":
		return errors.New("layerlab: docker cp with - (a tar stream on stdin or stdout) is not simulated: the console has no pipes")
	}
	lfs, err := c.localFS()
	if err != nil {
		return err
	}
	if srcCt != "" {
		ct, err := c.eng.FindContainer(srcCt)
		if err != nil {
			return err
		}
		return c.copyOut(ct, srcCt, srcPath, lfs, dstPath)
	}
	ct, err := c.eng.FindContainer(dstCt)
	if err != nil {
		return err
	}
	return c.copyIn(lfs, srcPath, ct, dstCt, dstPath)
}

// containerPath makes a container path absolute: docker cp reads relative
// ones from the container's root.
func containerPath(p string) string {
	trail := strings.HasSuffix(p, "/.")
	p = path.Clean("/" + p)
	if trail {
		p += "/."
	}
	return p
}

// copyOut copies a container's file or directory into the local directory.
func (c *Console) copyOut(ct *engine.Container, name, src string, lfs shell.FS, dst string) error {
	cfs := ct.FS()
	from := containerPath(src)
	contents := strings.HasSuffix(from, "/.")
	from = strings.TrimSuffix(from, "/.")
	n, err := cfs.Lstat(from)
	if err != nil {
		return errdefs.NotFound(fmt.Errorf("Could not find the file %s in container %s", src, name))
	}
	to := localPath(dst)
	target, err := copyTarget(lfs, to, from, n, contents)
	if err != nil {
		return err
	}
	var wrote []string
	err = copyTree(cfs, from, lfs, target, -1, func(p string) { wrote = append(wrote, p) })
	for _, p := range wrote {
		c.home.written[p] = true
	}
	if err == nil && c.localBytes() > c.home.max {
		err = fmt.Errorf("layerlab: the console's local directory keeps at most %s; that copy would pass it", humanSize4(c.home.max))
	}
	if err != nil {
		for i := len(wrote) - 1; i >= 0; i-- {
			lfs.RemoveAll(wrote[i])
			delete(c.home.written, wrote[i])
		}
		return err
	}
	return nil
}

// copyIn copies a local file or directory into a container, owned by root
// as docker cp makes it.
func (c *Console) copyIn(lfs shell.FS, src string, ct *engine.Container, name, dst string) error {
	from := localPath(src)
	contents := strings.HasSuffix(src, "/.")
	n, err := lfs.Lstat(from)
	if err != nil {
		return fmt.Errorf("lstat %s: no such file or directory", strings.TrimSuffix(src, "/."))
	}
	cfs := ct.FS()
	to := containerPath(dst)
	if p := path.Dir(to); p != to {
		if pn, err := cfs.Stat(p); err != nil || pn.Type != layer.TypeDir {
			return errdefs.NotFound(fmt.Errorf("Could not find the file %s in container %s", p, name))
		}
	}
	target, err := copyTarget(cfs, to, from, n, contents)
	if err != nil {
		return errdefs.InvalidParameter(err)
	}
	return errdefs.System(copyTree(lfs, from, cfs, target, 0, nil))
}

// copyTarget is where a copy lands, by docker cp's rules: into an existing
// directory under the source's name; otherwise at the destination itself,
// whose parent must exist. "src/." copies a directory's contents.
func copyTarget(dfs shell.FS, dst, src string, sn union.Node, contents bool) (string, error) {
	dn, err := dfs.Stat(dst)
	switch {
	case err == nil && dn.Type == layer.TypeDir && !contents:
		return path.Join(dst, path.Base(src)), nil
	case err == nil && dn.Type == layer.TypeDir:
		return dst, nil
	case err == nil && sn.Type == layer.TypeDir:
		return "", fmt.Errorf("cannot copy a directory to a file: %s", dst)
	case err == nil:
		return dst, nil
	}
	parent := path.Dir(dst)
	if pn, err := dfs.Stat(parent); err != nil || pn.Type != layer.TypeDir {
		return "", fmt.Errorf("invalid output path: directory %q does not exist", parent)
	}
	return dst, nil
}

// copyTree copies one path, and a directory's whole tree, from one
// filesystem to another: sparse files stay sparse, symlinks stay links.
// owner, when 0 or more, becomes every copy's UID and GID.
func copyTree(src shell.FS, sp string, dst shell.FS, dp string, owner int, wrote func(string)) error {
	count := 0
	var walk func(sp, dp string) error
	walk = func(sp, dp string) error {
		count++
		if count > maxCopyEntries {
			return fmt.Errorf("layerlab: docker cp copies at most %d files here", maxCopyEntries)
		}
		n, err := src.Lstat(sp)
		if err != nil {
			return err
		}
		uid, gid := n.UID, n.GID
		if owner >= 0 {
			uid, gid = owner, owner
		}
		switch n.Type {
		case layer.TypeDir:
			if err := dst.MkdirAll(dp, n.Mode); err != nil {
				return err
			}
			if wrote != nil {
				wrote(dp)
			}
			kids, err := src.ReadDir(sp)
			if err != nil {
				return err
			}
			for _, k := range kids {
				base := path.Base(k.Path)
				if err := walk(path.Join(sp, base), path.Join(dp, base)); err != nil {
					return err
				}
			}
			return nil
		case layer.TypeSymlink:
			dst.RemoveAll(dp)
			err = dst.Symlink(n.Linkname, dp)
		default:
			err = dst.PutFile(dp, n.Data, n.Size, n.Mode, uid, gid)
		}
		if err == nil && wrote != nil {
			wrote(dp)
		}
		return err
	}
	return walk(sp, dp)
}
