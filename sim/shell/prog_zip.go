package shell

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"path"
	"strings"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// zip [-r] [-q] [-j] ARCHIVE PATH...: a real zip archive of files of the
// virtual filesystem, so a later unzip, COPY or ls sees it.
func zipProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "rqjX9", map[string]byte{"recurse-paths": 'r', "quiet": 'q', "junk-paths": 'j'})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) < 2 {
		t.errorf("nothing to do!")
		return 12
	}
	archive := o.args[0]
	if !strings.HasSuffix(archive, ".zip") && path.Ext(archive) == "" {
		archive += ".zip"
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	var add func(name string, n union.Node) bool
	add = func(name string, n union.Node) bool {
		if t.stop() {
			return false
		}
		entry := strings.TrimPrefix(name, "/")
		if o.has('j') {
			entry = path.Base(name)
		}
		if n.Type == layer.TypeDir {
			if !o.has('j') {
				zw.Create(entry + "/")
				if !o.has('q') {
					t.print("  adding: " + entry + "/ (stored 0%)\n")
				}
			}
			if !o.has('r') {
				return true
			}
			kids, _ := t.p.FS.ReadDir(t.abs(name))
			for _, k := range kids {
				if !add(path.Join(name, path.Base(k.Path)), k) {
					return false
				}
			}
			return true
		}
		w, err := zw.Create(entry)
		if err != nil {
			return false
		}
		r, err := t.open(name)
		if err == nil {
			io.Copy(w, r)
		}
		if !o.has('q') {
			t.print("  adding: " + entry + " (deflated 0%)\n")
		}
		return true
	}
	for _, f := range o.args[1:] {
		n, err := t.v.stat(t.abs(f))
		if err != nil {
			t.print("\tzip warning: name not matched: " + f + "\n")
			continue
		}
		if !add(f, n) {
			return 1
		}
	}
	zw.Close()
	if err := t.v.writeFile(t.abs(archive), buf.Bytes(), 0o644); err != nil {
		t.errorf("could not create output file (%s)", describe(err))
		return 15
	}
	return 0
}

// unzip [-q] [-o] ARCHIVE [-d DIR]
func unzipProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "qod:n", nil)
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) < 1 {
		t.print("UnZip 6.00 of 20 April 2009, by Debian. Original by Info-ZIP.\n\nUsage: unzip [-Z] [-opts[modifiers]] file[.zip] [list] [-x xlist] [-d exdir]\n")
		return 0
	}
	data, err := t.slurp(o.args[0])
	if err != nil {
		t.print("unzip:  cannot find or open " + o.args[0] + ".\n")
		return 9
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.print("  End-of-central-directory signature not found.\n")
		return 9
	}
	dir := p.Dir
	if o.has('d') {
		dir = t.abs(o.set['d'])
	}
	if !o.has('q') {
		t.print("Archive:  " + o.args[0] + "\n")
	}
	for _, f := range zr.File {
		if t.stop() {
			return 1
		}
		target := path.Join(dir, path.Clean("/"+f.Name))
		if strings.HasSuffix(f.Name, "/") {
			t.p.FS.MkdirAll(target, 0o755)
			continue
		}
		t.p.FS.MkdirAll(path.Dir(target), 0o755)
		rc, err := f.Open()
		if err != nil {
			continue
		}
		b, _ := io.ReadAll(io.LimitReader(rc, maxRead))
		rc.Close()
		if err := t.v.writeFile(target, b, 0o644); err != nil {
			t.errorf("cannot create %s: %s", target, describe(err))
			continue
		}
		if !o.has('q') {
			t.print("  inflating: " + target + "\n")
		}
	}
	return t.status
}
