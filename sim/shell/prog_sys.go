package shell

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// nproc: the simulated machine has two processors.
func nprocProg(ctx context.Context, p *Proc) int {
	fmt.Fprintln(p.Stdout, "2")
	return 0
}

// mktemp [-d] [-q] [-u] [-p DIR] [-t] [TEMPLATE]: a new file or directory
// whose name the shell's seeded random source picks, so a replay makes the
// same name.
func mktempProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "dqup:t", map[string]byte{
		"directory": 'd', "quiet": 'q', "dry-run": 'u', "tmpdir": 'p', "suffix": 's',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) > 1 {
		return t.usage("too many templates")
	}
	template := "tmp.XXXXXXXXXX"
	if t.busybox {
		template = "tmp.XXXXXX"
	}
	explicit := len(o.args) == 1
	if explicit {
		template = o.args[0]
	}
	x := len(template) - len(strings.TrimRight(template, "X"))
	if x < 3 {
		t.errorf("too few X's in template %s", q(template))
		return 1
	}
	dir := ""
	switch {
	case o.has('p'):
		dir = o.set['p']
		if dir == "" {
			dir = envOr(p, "TMPDIR", "/tmp")
		}
	case o.has('t') || !explicit:
		dir = envOr(p, "TMPDIR", "/tmp")
	}
	if o.has('t') && strings.Contains(template, "/") {
		t.errorf("invalid template, %s, contains directory separator", q(template))
		return 1
	}
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	for try := 0; try < 100; try++ {
		b := []byte(template[:len(template)-x])
		for i := 0; i < x; i++ {
			b = append(b, letters[p.Shell.nextRandom()%uint64(len(letters))])
		}
		name := string(b)
		if dir != "" {
			name = path.Join(dir, name)
		}
		full := t.abs(name)
		if _, err := t.v.lstat(full); err == nil {
			continue
		}
		if !o.has('u') {
			if o.has('d') {
				err = t.v.mkdir(full, 0o700)
			} else {
				err = t.v.writeFile(full, nil, 0o600)
			}
			if err == nil {
				mode := fs.FileMode(0o600)
				if o.has('d') {
					mode = 0o700
				}
				err = errorsOr(t.v.o.Chmod(full, mode))
			}
			if err != nil {
				if !o.has('q') {
					kind := "file"
					if o.has('d') {
						kind = "directory"
					}
					t.errorf("failed to create %s via template %s: %s", kind, q(path.Join(dir, template)), describe(err))
				}
				return 1
			}
		}
		t.print(name + "\n")
		return 0
	}
	return 1
}

func envOr(p *Proc, k, def string) string {
	if v, ok := p.Env[k]; ok && v != "" {
		return v
	}
	return def
}

// stat [-L] [-c FORMAT | --printf FORMAT] FILE...
func statProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "Lc:tf", map[string]byte{
		"dereference": 'L', "format": 'c', "printf": 'P', "terse": 't', "file-system": 'f',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	if len(o.args) == 0 {
		return t.usage("missing operand")
	}
	for _, f := range o.args {
		full := t.abs(f)
		var n, err = t.v.lstat(full)
		if o.has('L') {
			n, err = t.v.stat(full)
		}
		if err != nil {
			if t.busybox {
				t.errorf("can't stat '%s': %s", f, describe(err))
			} else {
				t.errorf("cannot statx %s: %s", q(f), describe(err))
			}
			continue
		}
		switch {
		case o.has('c'):
			t.print(t.statFormat(o.set['c'], f, n) + "\n")
		case o.has('P'):
			t.print(unescape(t.statFormat(o.set['P'], f, n)))
		default:
			t.print(t.statDefault(f, n))
		}
	}
	return t.status
}

func unescape(s string) string {
	return strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\\`, `\`).Replace(s)
}

func fileType(n union.Node) string {
	switch n.Type {
	case layer.TypeDir:
		return "directory"
	case layer.TypeSymlink:
		return "symbolic link"
	}
	if n.Size == 0 {
		return "regular empty file"
	}
	return "regular file"
}

func (t *tool) owner(n union.Node) (user, group string) {
	user, group = "UNKNOWN", "UNKNOWN"
	if a, ok := userByID(t.p.FS, n.UID); ok {
		user = a.name
	}
	if a, ok := groupByID(t.p.FS, n.GID); ok {
		group = a.name
	}
	return user, group
}

func (t *tool) statFormat(format, name string, n union.Node) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		user, group := t.owner(n)
		switch format[i] {
		case '%':
			b.WriteByte('%')
		case 'a':
			b.WriteString(strconv.FormatUint(uint64(toOctal(n.Mode)&0o7777), 8))
		case 'A':
			b.WriteString(modeString(n))
		case 'F':
			b.WriteString(fileType(n))
		case 'n':
			b.WriteString(name)
		case 'N':
			b.WriteString("'" + name + "'")
			if n.Type == layer.TypeSymlink {
				b.WriteString(" -> '" + n.Linkname + "'")
			}
		case 's':
			b.WriteString(strconv.FormatInt(n.Size, 10))
		case 'u':
			b.WriteString(strconv.Itoa(n.UID))
		case 'U':
			b.WriteString(user)
		case 'g':
			b.WriteString(strconv.Itoa(n.GID))
		case 'G':
			b.WriteString(group)
		case 'h':
			b.WriteString("1")
		case 'i':
			b.WriteString(strconv.FormatUint(newFileInfo(name, n).inode(), 10))
		case 'b':
			b.WriteString(strconv.FormatInt((n.Size+511)/512, 10))
		case 'B':
			b.WriteString("512")
		case 'Y', 'Z', 'X':
			b.WriteString(strconv.FormatInt(modTime().Unix(), 10))
		case 'y', 'z', 'x':
			b.WriteString(modTime().Format("2006-01-02 15:04:05.000000000 -0700"))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

func (t *tool) statDefault(name string, n union.Node) string {
	user, group := t.owner(n)
	shown := name
	if n.Type == layer.TypeSymlink {
		shown = name + " -> " + n.Linkname
	}
	ts := modTime().Format("2006-01-02 15:04:05.000000000 -0700")
	return fmt.Sprintf("  File: %s\n  Size: %-15d Blocks: %-10d IO Block: 4096   %s\nDevice: 0,50\tInode: %-11d Links: 1\nAccess: (%04o/%s)  Uid: (%5d/%8s)   Gid: (%5d/%8s)\nAccess: %s\nModify: %s\nChange: %s\n Birth: -\n",
		shown, n.Size, (n.Size+511)/512, fileType(n), newFileInfo(name, n).inode(),
		toOctal(n.Mode)&0o7777, modeString(n), n.UID, user, n.GID, group, ts, ts, ts)
}
