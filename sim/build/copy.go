package build

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerlab/layerlab/sim/dockerfile"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// copySpec is a COPY or ADD after expansion.
type copySpec struct {
	name    string // COPY or ADD
	sd      instructions.SourcesAndDest
	from    string
	chown   string
	chmod   string
	link    bool
	parents bool
	exclude []string
	add     bool
}

// source is where a COPY reads from: the context, or the filesystem of a
// stage or an image for --from.
type source struct {
	ctx *contextFiles
	fs  *union.FS
}

func (b *builder) copyStep(s *stage, c dockerfile.Command, cs copySpec, multi bool) *failure {
	name := s.prefix(multi) + b.displayName(c.Code, s.env(b.opts.BuildArgs), false)
	src := source{ctx: b.files}
	fromKey := "context"
	if cs.from != "" {
		if j, ok := b.stageIndex(cs.from, s.index); ok {
			from := b.stages[j]
			src = source{fs: from.lower()}
			fromKey = "from"
		} else {
			if b.opts.Resolve == nil {
				return b.stepFailed(s, name, c, fmt.Sprintf("%s: not found", cs.from))
			}
			img, err := b.opts.Resolve(cs.from)
			if err != nil {
				return b.stepFailed(s, name, c, err.Error())
			}
			src = source{fs: b.view(img)}
			fromKey = "from"
		}
	}
	wd := s.cfg.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	dest := cs.sd.DestPath
	destIsDir := dest == "." || dest == "" || strings.HasSuffix(dest, "/") || strings.HasSuffix(dest, "/.")
	if !path.IsAbs(dest) {
		dest = path.Join(wd, dest)
	}
	dest = path.Clean(dest)
	nsrc := len(cs.sd.SourcePaths) + len(cs.sd.SourceContents)
	if nsrc > 1 && !destIsDir {
		return b.stepFailed(s, name, c, fmt.Sprintf("When using %s with more than one source file, the destination must be a directory and end with a /", cs.name))
	}
	var mode *fs.FileMode
	if cs.chmod != "" {
		p, err := strconv.ParseUint(cs.chmod, 8, 32)
		if err != nil || p > 0o7777 {
			return b.stepFailed(s, name, c, fmt.Sprintf("invalid chmod parameter: '%v'. it should be octal string and between 0 and 07777", cs.chmod))
		}
		m := fs.FileMode(p)
		mode = &m
	}
	uid, gid := -1, -1
	if cs.chown != "" {
		var err error
		uid, gid, err = LookupUser(s.lower(), cs.chown)
		if err != nil {
			return b.stepFailed(s, name, c, err.Error())
		}
	}
	// Resolve the sources now: a missing one fails while computing the cache
	// key, before anything runs, as in BuildKit.
	var sources []string
	for _, p := range cs.sd.SourcePaths {
		if cs.add && (strings.Contains(p, "://") || strings.HasPrefix(p, "git@")) {
			return b.stepFailed(s, name, c, fmt.Sprintf("ADD %s: fetching from the network is not simulated (layerlab has no network); put the file in the build context and COPY it", p))
		}
		clean := strings.TrimPrefix(path.Clean("/"+p), "/")
		matches, err := src.match(clean)
		if err != nil {
			return b.stepFailed(s, name, c, err.Error())
		}
		if len(matches) == 0 && !strings.ContainsAny(clean, "*?[") {
			return b.stepFailed(s, name, c, b.notFound(fromKey, "/"+clean))
		}
		sources = append(sources, matches...)
	}
	var keyParts []string
	keyParts = append(keyParts, "copy", cs.name, fromKey, dest, strconv.FormatBool(destIsDir), cs.chown, cs.chmod)
	// Like BuildKit's contenthash, the key holds what the sources contain,
	// not where they came from: a COPY --from a stage that was rebuilt with
	// the same result is still cached.
	if src.ctx != nil {
		keyParts = append(keyParts, src.ctx.checksum(sources))
	} else {
		keyParts = append(keyParts, fsChecksum(src.fs, sources))
	}
	for _, sc := range cs.sd.SourceContents {
		keyParts = append(keyParts, "heredoc:"+sc.Path, sc.Data)
	}
	key := keyOf(s.key, keyParts...)
	history := c.Code
	return b.fsStep(s, c, name, history+" # buildkit", key, func(ov *union.Overlay) error {
		cp := copier{ov: ov, src: src, uid: uid, gid: gid, mode: mode, add: cs.add, limitFile: b.opts.Limits.FileBytes}
		for _, sc := range cs.sd.SourceContents {
			target := dest
			if destIsDir {
				target = path.Join(dest, path.Base(sc.Path))
			}
			if err := cp.writeFile(target, []byte(sc.Data), 0o644, 0, 0); err != nil {
				return err
			}
		}
		for _, name := range sources {
			if err := cp.copy(name, dest, destIsDir || len(sources) > 1); err != nil {
				return err
			}
		}
		return nil
	})
}

// fsChecksum hashes every path at or below the sources in a stage's or an
// image's filesystem with its type, mode, owner, link and content.
func fsChecksum(u *union.FS, sources []string) string {
	h := sha256.New()
	node := func(n union.Node) {
		fmt.Fprintf(h, "%s\x00%d\x00%o\x00%d:%d\x00%s\x00%d\x00", n.Path, n.Type, n.Mode, n.UID, n.GID, n.Linkname, n.Size)
		h.Write(n.Data)
	}
	for _, src := range sources {
		fmt.Fprintf(h, "source %s\x00", src)
		if src == "" {
			u.Walk(func(n union.Node) error { node(n); return nil })
			continue
		}
		n, ok := u.Lookup(src)
		if !ok {
			continue
		}
		node(n)
		if n.Type != layer.TypeDir {
			continue
		}
		prefix, seen := n.Path+"/", false
		u.Walk(func(c union.Node) error {
			switch {
			case strings.HasPrefix(c.Path, prefix):
				node(c)
				seen = true
			case seen: // a directory's paths are contiguous in the walk
				return fs.SkipAll
			}
			return nil
		})
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

// notFound is BuildKit's message for a COPY source that is not in the
// context, with a reference id made from the build so it stays deterministic.
func (b *builder) notFound(fromKey, p string) string {
	sum := sha256.Sum256([]byte(fromKey + p))
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var id strings.Builder
	for _, c := range sum[:25] {
		id.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	ref := fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	return fmt.Sprintf("failed to compute cache key: failed to calculate checksum of ref %s::%s: %q: not found", ref, id.String(), p)
}

func (s source) match(pattern string) ([]string, error) {
	if s.ctx != nil {
		return s.ctx.match(pattern)
	}
	if !strings.ContainsAny(pattern, "*?[") {
		if pattern == "" {
			return []string{""}, nil
		}
		if _, ok := s.fs.Lookup(pattern); ok {
			return []string{pattern}, nil
		}
		return nil, nil
	}
	var out []string
	err := s.fs.Walk(func(n union.Node) error {
		ok, err := path.Match(pattern, n.Path)
		if ok {
			out = append(out, n.Path)
		}
		return err
	})
	return out, err
}

// copier copies files into an overlay with BuildKit's COPY rules.
type copier struct {
	ov        *union.Overlay
	src       source
	uid, gid  int // -1: keep the source's owner (root for context files)
	mode      *fs.FileMode
	add       bool
	limitFile int64
}

// entry is one source path, from the context or an image.
type entry struct {
	dir  bool
	link string
	mode fs.FileMode
	data []byte
	size int64
	uid  int
	gid  int
}

func (cp *copier) stat(name string) (entry, bool) {
	if cp.src.ctx != nil {
		f, ok := cp.src.ctx.files[name]
		if !ok {
			return entry{}, false
		}
		return entry{dir: f.dir, link: f.link, mode: f.mode, data: f.data, size: int64(len(f.data))}, true
	}
	if name == "" {
		return entry{dir: true, mode: 0o755}, true
	}
	n, ok := cp.src.fs.Lookup(name)
	if !ok {
		return entry{}, false
	}
	e := entry{mode: n.Mode, data: n.Data, size: n.Size, uid: n.UID, gid: n.GID}
	switch n.Type {
	case layer.TypeDir:
		e.dir = true
	case layer.TypeSymlink:
		e.link = n.Linkname
	}
	return e, true
}

func (cp *copier) children(name string) []string {
	if cp.src.ctx != nil {
		var out []string
		for _, n := range cp.src.ctx.under(name) {
			if n != name {
				out = append(out, n)
			}
		}
		return out
	}
	var out []string
	prefix := name + "/"
	if name == "" {
		prefix = ""
	}
	cp.src.fs.Walk(func(n union.Node) error {
		if strings.HasPrefix(n.Path, prefix) && n.Path != name {
			out = append(out, n.Path)
		}
		return nil
	})
	return out
}

// copy copies one source. A directory's contents land in dest; a file lands
// at dest, or inside it when dest is a directory.
func (cp *copier) copy(name, dest string, intoDir bool) error {
	e, ok := cp.stat(name)
	if !ok {
		return fmt.Errorf("%q: not found", "/"+name)
	}
	if e.dir {
		if err := cp.mkdirAll(dest); err != nil {
			return err
		}
		for _, child := range cp.children(name) {
			rel := strings.TrimPrefix(strings.TrimPrefix(child, name), "/")
			ce, _ := cp.stat(child)
			if err := cp.place(ce, path.Join(dest, rel)); err != nil {
				return err
			}
		}
		return nil
	}
	target := dest
	if intoDir {
		target = path.Join(dest, path.Base(name))
	} else if n, err := cp.ov.Stat(dest); err == nil && n.Type == layer.TypeDir {
		target = path.Join(dest, path.Base(name))
	}
	if cp.add && cp.src.ctx != nil && isArchive(name) {
		return cp.extract(e.data, dest)
	}
	if err := cp.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	return cp.place(e, target)
}

func (cp *copier) owner(e entry) (int, int) {
	if cp.uid >= 0 {
		return cp.uid, cp.gid
	}
	return e.uid, e.gid
}

func (cp *copier) place(e entry, target string) error {
	uid, gid := cp.owner(e)
	switch {
	case e.dir:
		if err := cp.mkdirAll(target); err != nil {
			return err
		}
		m := e.mode
		if cp.mode != nil {
			m = *cp.mode
		}
		if err := cp.ov.Chmod(target, m); err != nil {
			return err
		}
		return cp.ov.Chown(target, uid, gid)
	case e.link != "":
		cp.ov.RemoveAll(target)
		if err := cp.ov.Symlink(e.link, target); err != nil {
			return err
		}
		return cp.ov.Lchown(target, uid, gid) // the link itself, as BuildKit copies it
	default:
		m := e.mode
		if cp.mode != nil {
			m = *cp.mode
		}
		if int64(len(e.data)) > cp.limitFile {
			return fmt.Errorf("%s: file too large for this simulator", target)
		}
		return cp.writeSized(target, e.data, e.size, m, uid, gid)
	}
}

func (cp *copier) writeFile(target string, data []byte, mode fs.FileMode, uid, gid int) error {
	if cp.mode != nil {
		mode = *cp.mode
	}
	if cp.uid >= 0 {
		uid, gid = cp.uid, cp.gid
	}
	if err := cp.mkdirAll(path.Dir(target)); err != nil {
		return err
	}
	return cp.writeSized(target, data, int64(len(data)), mode, uid, gid)
}

func (cp *copier) writeSized(target string, data []byte, size int64, mode fs.FileMode, uid, gid int) error {
	if n, err := cp.ov.Lstat(target); err == nil && n.Type == layer.TypeDir {
		return fmt.Errorf("cannot copy to %s: it is a directory", target)
	}
	return cp.ov.PutFile(target, data, size, mode, uid, gid)
}

func (cp *copier) mkdirAll(dir string) error {
	uid, gid := 0, 0
	if cp.uid >= 0 {
		uid, gid = cp.uid, cp.gid
	}
	return mkdirAllOwned(cp.ov, dir, uid, gid)
}

func isArchive(name string) bool {
	for _, ext := range []string{".tar", ".tar.gz", ".tgz"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// extract unpacks a local tar archive, as ADD does.
func (cp *copier) extract(data []byte, dest string) error {
	var r io.Reader = bytes.NewReader(data)
	if gz, err := gzip.NewReader(bytes.NewReader(data)); err == nil {
		r = gz
	}
	tr := tar.NewReader(r)
	if err := cp.mkdirAll(dest); err != nil {
		return err
	}
	for n := 0; ; n++ {
		if n > 10000 {
			return errors.New("archive has too many entries for this simulator")
		}
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("unpacking archive: %w", err)
		}
		target := path.Join(dest, path.Clean("/"+hdr.Name))
		mode := fs.FileMode(hdr.Mode).Perm()
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := cp.mkdirAll(target); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if err := cp.mkdirAll(path.Dir(target)); err != nil {
				return err
			}
			cp.ov.RemoveAll(target)
			if err := cp.ov.Symlink(hdr.Linkname, target); err != nil {
				return err
			}
		case tar.TypeReg:
			if hdr.Size > cp.limitFile {
				return fmt.Errorf("%s: file too large for this simulator", hdr.Name)
			}
			body, err := io.ReadAll(io.LimitReader(tr, cp.limitFile+1))
			if err != nil {
				return fmt.Errorf("unpacking archive: %w", err)
			}
			if err := cp.mkdirAll(path.Dir(target)); err != nil {
				return err
			}
			if err := cp.writeSized(target, body, int64(len(body)), mode, hdr.Uid, hdr.Gid); err != nil {
				return err
			}
		}
	}
}
