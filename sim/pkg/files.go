package pkg

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/shell"
)

// abs resolves name against the process's working directory.
func abs(p *shell.Proc, name string) string {
	if path.IsAbs(name) {
		return path.Clean(name)
	}
	dir := p.Dir
	if dir == "" {
		dir = "/"
	}
	return path.Join(dir, name)
}

// readText reads a whole file; ok is false when it cannot be read.
func readText(p *shell.Proc, name string) (string, bool) {
	b, err := p.FS.ReadFile(name)
	if err != nil {
		return "", false
	}
	return string(b), true
}

func exists(p *shell.Proc, name string) bool {
	_, err := p.FS.Stat(name)
	return err == nil
}

// osRelease reads /etc/os-release into its KEY=value pairs.
func osRelease(p *shell.Proc) map[string]string {
	out := map[string]string{}
	text, _ := readText(p, "/etc/os-release")
	for _, line := range strings.Split(text, "\n") {
		k, v, ok := strings.Cut(line, "=")
		if ok {
			out[k] = strings.Trim(v, `"`)
		}
	}
	return out
}

// env reads a variable of the process, with a fallback.
func env(p *shell.Proc, key, fallback string) string {
	if v, ok := p.Env[key]; ok && v != "" {
		return v
	}
	return fallback
}

// installer writes a package's files, remembering the first error.
type installer struct {
	p        *shell.Proc
	uid, gid int
	err      error
	written  []string // absolute paths, for dpkg's .list files
	// made holds the directories this installer has made sure exist, so
	// that the hundreds of files of one package do not walk the same
	// parents again (MkdirAll resolves every element through the layers).
	made map[string]bool
}

// mkdirAll is MkdirAll, once per directory and installer.
func (in *installer) mkdirAll(dir string) error {
	if in.made[dir] {
		return nil
	}
	if err := in.p.FS.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if in.made == nil {
		in.made = map[string]bool{}
	}
	in.made[dir] = true
	return nil
}

func (in *installer) dir(name string) {
	if in.err != nil {
		return
	}
	if err := in.p.FS.MkdirAll(name, 0o755); err != nil {
		in.err = err
		return
	}
	in.written = append(in.written, name)
}

// file writes a file of apparent size size whose first bytes are data.
func (in *installer) file(name string, data []byte, size int64, perm fs.FileMode) {
	if in.err != nil {
		return
	}
	if int64(len(data)) > size {
		size = int64(len(data))
	}
	if err := in.mkdirAll(path.Dir(name)); err != nil {
		in.err = err
		return
	}
	if err := in.p.FS.PutFile(name, data, size, perm, in.uid, in.gid); err != nil {
		in.err = err
		return
	}
	in.written = append(in.written, name)
}

func (in *installer) text(name, content string, perm fs.FileMode) {
	in.file(name, []byte(content), int64(len(content)), perm)
}

func (in *installer) link(target, name string) {
	if in.err != nil {
		return
	}
	if err := in.mkdirAll(path.Dir(name)); err != nil {
		in.err = err
		return
	}
	if _, err := in.p.FS.Lstat(name); err == nil {
		if err := in.p.FS.Remove(name); err != nil {
			in.err = err
			return
		}
	}
	if err := in.p.FS.Symlink(target, name); err != nil {
		in.err = err
		return
	}
	in.written = append(in.written, name)
}

// files installs catalog file lines under root; the first regular file of
// the largest size takes extra bytes so the package reaches its real size.
func (in *installer) files(root string, files []file, extraTo string, extra int64) {
	for _, f := range files {
		name := path.Join(root, f.path)
		switch f.kind {
		case 'd':
			in.dir(name)
		case 'l':
			in.link(f.link, name)
		case 'x':
			in.file(name, binaryStub(name), f.size, 0o755)
		case 'f':
			in.file(name, nil, f.size, 0o644)
		}
	}
	if extra > 0 && extraTo != "" {
		in.file(extraTo, nil, extra, 0o644)
	}
}

// binaryStub is the start of a teaching copy of an executable: an ELF
// identification (64-bit, little endian, x86-64) and a note.
func binaryStub(name string) []byte {
	b := []byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0, 1, 0, 0, 0}
	return append(b, "\nteaching copy of "+name+": real size, no machine code\n"...)
}

func filesSize(files []file) int64 {
	var n int64
	for _, f := range files {
		n += f.size
	}
	return n
}

// spend advances the virtual clock, when the shell gives one.
func spend(p *shell.Proc, d time.Duration) {
	if p.Sleep != nil && d > 0 {
		p.Sleep(d)
	}
}

func now(p *shell.Proc) time.Time {
	if p.Now != nil {
		return p.Now().UTC()
	}
	return time.Date(2024, 9, 23, 10, 0, 0, 0, time.UTC)
}

// readLine reads one answer from standard input; ok is false at EOF.
func readLine(r io.Reader) (string, bool) {
	if r == nil {
		return "", false
	}
	var b strings.Builder
	buf := make([]byte, 1)
	for {
		n, err := r.Read(buf)
		if n == 1 {
			if buf[0] == '\n' {
				return b.String(), true
			}
			b.WriteByte(buf[0])
		}
		if err != nil {
			return b.String(), b.Len() > 0
		}
	}
}

// errText is the text a real tool prints for a failed file operation.
func errText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	case errors.Is(err, fs.ErrExist):
		return "File exists"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// wrap lays words out as apt does: two spaces of indent, lines under 80 columns.
func wrap(words []string) string {
	var b strings.Builder
	col := 0
	for _, w := range words {
		if col > 0 && col+1+len(w) > 79 {
			b.WriteString("\n")
			col = 0
		}
		if col == 0 {
			b.WriteString(" ")
			col = 1
		}
		b.WriteString(" " + w)
		col += 1 + len(w)
	}
	return b.String() + "\n"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
