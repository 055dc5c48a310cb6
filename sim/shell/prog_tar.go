package shell

import (
	"archive/tar"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/ulikunitz/xz"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// tar -c|-x|-t [-z] [-v] [-f file] [-C dir] [--strip-components=N] [path…]:
// real tar archives (gzip with -z, recognized on extraction), read and
// written in the virtual filesystem.
func tarProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args = append([]string{"-" + args[0]}, args[1:]...) // tar czf …
	}
	o, err := getopt(args, "cxtvzjJf:C:pomPkhS:", map[string]byte{
		"create": 'c', "extract": 'x', "get": 'x', "list": 't', "verbose": 'v', "gzip": 'z', "gunzip": 'z',
		"bzip2": 'j', "xz": 'J', "file": 'f', "directory": 'C', "preserve-permissions": 'p',
		"no-same-owner": 'o', "touch": 'm', "absolute-names": 'P', "keep-old-files": 'k',
		"dereference": 'h', "strip-components": 'S', "same-owner": 'O', "numeric-owner": 'N',
	})
	fatal := func(format string, a ...any) int {
		t.errorf(format, a...)
		fmt.Fprintln(p.Stderr, "tar: Error is not recoverable: exiting now")
		return 2
	}
	if err != nil {
		t.errorf("%v", err)
		fmt.Fprintln(p.Stderr, "Try 'tar --help' or 'tar --usage' for more information.")
		return 2
	}
	modes := 0
	for _, c := range []byte("cxt") {
		if o.has(c) {
			modes++
		}
	}
	if modes != 1 {
		t.errorf("You must specify one of the '-Acdtrux', '--delete' or '--test-label' options")
		fmt.Fprintln(p.Stderr, "Try 'tar --help' or 'tar --usage' for more information.")
		return 2
	}
	file := "-"
	if o.has('f') {
		file = o.set['f']
	}
	base := p.Dir
	if o.has('C') {
		base = cleanAbs(p.Dir, o.set['C'])
		if n, err := t.v.stat(base); err != nil || n.Type != layer.TypeDir {
			return fatal("%s: Cannot open: %s", o.set['C'], describe(orENOTDIR(err)))
		}
	}
	strip := 0
	if o.has('S') {
		n, err := strconv.Atoi(o.set['S'])
		if err != nil || n < 0 {
			return fatal("Invalid number of elements: %s", q(o.set['S']))
		}
		strip = n
	}
	if o.has('c') {
		return t.tarCreate(o, file, base)
	}
	var data []byte
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(stepReader{t, p.Stdin}, maxRead))
	} else {
		data, err = t.slurp(file)
	}
	if err != nil {
		if t.stop() {
			return 2
		}
		return fatal("%s: Cannot open: %s", file, describe(err))
	}
	var r io.Reader = bytes.NewReader(data)
	switch {
	case bytes.HasPrefix(data, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(r)
		if err != nil {
			return fatal("Child returned status 1")
		}
		r = io.LimitReader(zr, maxRead)
	case bytes.HasPrefix(data, []byte("BZh")):
		r = io.LimitReader(bzip2.NewReader(r), maxRead)
	case bytes.HasPrefix(data, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		xr, err := xz.NewReader(r)
		if err != nil {
			t.errorf("xz: %v", err)
			return fatal("Child returned status 1")
		}
		r = io.LimitReader(xr, maxRead)
	}
	// GNU tar, like this one, looks at the data rather than at -z, -j or
	// -J; a simulated download is a gzip archive whatever its name says.
	if IsTeachingDownload(data) && (o.has('J') || o.has('j')) {
		fmt.Fprintf(p.Stderr, "layerlab: %s is a teaching download, gzip-compressed whatever its name says\n", file)
	}
	tr := tar.NewReader(stepReader{t, r})
	// Operands name the members to extract or list; none means all.
	wanted := map[string]bool{}
	for _, a := range o.args {
		wanted[strings.TrimSuffix(strings.TrimPrefix(a, "./"), "/")] = false
	}
	selected := func(name string) bool {
		if len(wanted) == 0 {
			return true
		}
		name = strings.TrimSuffix(strings.TrimPrefix(name, "./"), "/")
		for w := range wanted {
			if name == w || strings.HasPrefix(name, w+"/") {
				wanted[w] = true
				return true
			}
		}
		return false
	}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if t.stop() {
				return 2
			}
			t.errorf("This does not look like a tar archive")
			return fatal("Exiting with failure status due to previous errors")
		}
		if !selected(h.Name) {
			continue
		}
		if o.has('t') {
			name := h.Name
			if o.has('v') {
				name = fmt.Sprintf("%s %d/%d %8d 1970-01-01 00:00 %s", modeString(tarNode(h)), h.Uid, h.Gid, h.Size, h.Name)
			}
			t.print(name + "\n")
			continue
		}
		name := stripComponents(h.Name, strip)
		if name == "" {
			continue
		}
		if o.has('v') {
			t.print(h.Name + "\n")
		}
		if err := t.tarExtract(o, tr, h, base, name, strip); err != nil {
			t.errorf("%s: Cannot open: %s", strings.TrimSuffix(h.Name, "/"), describe(err))
			t.status = 2
		}
	}
	for _, a := range o.args {
		if w := strings.TrimSuffix(strings.TrimPrefix(a, "./"), "/"); !wanted[w] {
			t.errorf("%s: Not found in archive", a)
			t.status = 2
		}
	}
	if t.status != 0 {
		fmt.Fprintln(p.Stderr, "tar: Exiting with failure status due to previous errors")
	}
	return t.status
}

// SparseSizeRecord is the PAX record of a teaching download's archive that
// gives a member's real size when the archive holds only its first bytes.
const SparseSizeRecord = "LAYERLAB.size"

// orENOTDIR is the error for a -C that is not a directory.
func orENOTDIR(err error) error {
	if err == nil {
		return syscall.ENOTDIR
	}
	return err
}

// stripComponents drops the first n elements of a member name.
func stripComponents(name string, n int) string {
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	for range n {
		_, rest, ok := strings.Cut(name, "/")
		if !ok {
			return ""
		}
		name = rest
	}
	return name
}

// tarNode describes a header as a Node, for listings.
func tarNode(h *tar.Header) union.Node {
	e := layer.Entry{Mode: fs.FileMode(h.Mode).Perm(), Size: h.Size}
	switch h.Typeflag {
	case tar.TypeDir:
		e.Type = layer.TypeDir
	case tar.TypeSymlink:
		e.Type = layer.TypeSymlink
	}
	return union.Node{Entry: e}
}

// tarExtract writes one member under base.
func (t *tool) tarExtract(o options, tr *tar.Reader, h *tar.Header, base, name string, strip int) error {
	target := path.Join(base, name)
	mode := fs.FileMode(h.Mode).Perm()
	if t.v.uid != 0 || o.has('o') {
		mode &^= t.v.umask
	}
	// Parents a member needs but the archive does not list.
	dir := path.Dir(target)
	if _, err := t.v.stat(dir); err != nil {
		cur := "/"
		for _, elem := range strings.Split(strings.Trim(dir, "/"), "/") {
			cur = path.Join(cur, elem)
			if _, err := t.v.stat(cur); err != nil {
				if err := t.v.mkdir(cur, 0o777); err != nil {
					return err
				}
			}
		}
	}
	switch h.Typeflag {
	case tar.TypeDir:
		if n, err := t.v.stat(target); err == nil && isDirNode(n) {
			return t.tarOwn(o, target, h, mode)
		}
		if err := t.v.mkdir(target, 0o777); err != nil {
			return err
		}
	case tar.TypeSymlink:
		if _, err := t.v.lstat(target); err == nil {
			if err := t.v.remove(target); err != nil {
				return err
			}
		}
		if err := t.v.o.Symlink(h.Linkname, target); err != nil {
			return errorsOr(err)
		}
		return nil
	case tar.TypeLink:
		// Hard links become copies: the simulator's layers have none.
		src := path.Join(base, stripComponents(h.Linkname, strip))
		data, err := t.v.readFile(src)
		if err != nil {
			return err
		}
		return t.v.writeFile(target, data, mode)
	case tar.TypeReg, '\x00': // '\x00' is the old name of a regular file (tar.TypeRegA)
		data, err := io.ReadAll(io.LimitReader(tr, maxRead))
		if err != nil {
			return err
		}
		if n, err := t.v.lstat(target); err == nil && n.Type == layer.TypeSymlink {
			t.v.remove(target)
		}
		// A teaching download's large files carry their real size in a
		// PAX record instead of their bytes.
		if sz, perr := strconv.ParseInt(h.PAXRecords[SparseSizeRecord], 10, 64); perr == nil && sz > int64(len(data)) {
			err = t.v.put(target, data, sz, mode)
		} else {
			err = t.v.writeFile(target, data, mode)
		}
		if err != nil {
			return err
		}
	default:
		return nil // devices and fifos do not exist in the simulator
	}
	return t.tarOwn(o, target, h, mode)
}

// tarOwn gives an extracted member its archived mode and, for root, owner.
func (t *tool) tarOwn(o options, target string, h *tar.Header, mode fs.FileMode) error {
	if err := t.v.o.Chmod(target, mode); err != nil {
		return errorsOr(err)
	}
	if t.v.uid == 0 && !o.has('o') {
		return errorsOr(t.v.o.Chown(target, h.Uid, h.Gid))
	}
	return nil
}

func errorsOr(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(describe(err))
}

// tarCreate archives the operands, relative to base.
func (t *tool) tarCreate(o options, file, base string) int {
	if len(o.args) == 0 {
		t.errorf("Cowardly refusing to create an empty archive")
		fmt.Fprintln(t.p.Stderr, "Try 'tar --help' or 'tar --usage' for more information.")
		return 2
	}
	var buf bytes.Buffer
	var w io.Writer = &buf
	var zw *gzip.Writer
	if o.has('z') {
		zw, _ = gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
		zw.ModTime = modTime()
		w = zw
	}
	tw := tar.NewWriter(w)
	noted := false
	var add func(name string) bool
	add = func(name string) bool {
		if t.stop() || buf.Len() > maxRead {
			return false
		}
		member := name
		if strings.HasPrefix(member, "/") && !o.has('P') {
			if !noted {
				fmt.Fprintln(t.p.Stderr, "tar: Removing leading `/' from member names")
				noted = true
			}
			member = strings.TrimLeft(member, "/")
		}
		src := cleanAbs(base, name)
		n, err := t.v.lstat(src)
		if err != nil {
			t.errorf("%s: Cannot stat: %s", name, describe(err))
			t.status = 2
			return true
		}
		h := &tar.Header{Name: member, Mode: int64(toOctal(n.Mode)), Uid: n.UID, Gid: n.GID, ModTime: modTime(), Format: tar.FormatGNU}
		if a, ok := userByID(t.p.FS, n.UID); ok {
			h.Uname = a.name
		}
		if a, ok := groupByID(t.p.FS, n.GID); ok {
			h.Gname = a.name
		}
		switch n.Type {
		case layer.TypeDir:
			h.Typeflag = tar.TypeDir
			if !strings.HasSuffix(h.Name, "/") {
				h.Name += "/"
			}
		case layer.TypeSymlink:
			h.Typeflag, h.Linkname = tar.TypeSymlink, n.Linkname
		default:
			h.Typeflag, h.Size = tar.TypeReg, n.Size
		}
		if o.has('v') {
			t.print(h.Name + "\n")
		}
		if err := tw.WriteHeader(h); err != nil {
			t.errorf("%s: %v", name, err)
			return false
		}
		if n.Type == layer.TypeReg {
			if n.Size > maxRead {
				t.errorf("%s: file too large for the simulator", name)
				return false
			}
			if err := t.copyFile(tw, n); err != nil {
				return false
			}
		}
		if n.Type == layer.TypeDir {
			kids, _ := t.v.o.ReadDir(src)
			for _, k := range kids {
				if !add(path.Join(name, path.Base(k.Path))) {
					return false
				}
			}
		}
		return true
	}
	for _, a := range o.args {
		if !add(a) {
			break
		}
	}
	tw.Close()
	if zw != nil {
		zw.Close()
	}
	if buf.Len() > maxRead {
		t.errorf("archive too large for the simulator")
		return 2
	}
	if t.stop() {
		return 2
	}
	if file == "-" {
		t.write(buf.Bytes())
	} else if err := t.v.writeFile(cleanAbs(t.p.Dir, file), buf.Bytes(), 0o666); err != nil {
		t.errorf("%s: Cannot open: %s", file, describe(err))
		return 2
	}
	if t.status != 0 {
		fmt.Fprintln(t.p.Stderr, "tar: Exiting with failure status due to previous errors")
	}
	return t.status
}
