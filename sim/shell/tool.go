package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"syscall"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// tool is the common part of one run of a simulated coreutils program:
// its name for messages, its process, and the status it will exit with.
type tool struct {
	ctx     context.Context
	p       *Proc
	name    string
	v       vfs
	status  int
	busybox bool // BusyBox words its messages differently
}

func newTool(ctx context.Context, p *Proc) *tool {
	s := p.Shell
	return &tool{
		ctx:     ctx,
		p:       p,
		name:    path.Base(p.Args[0]),
		v:       s.vfsFor(p),
		busybox: s.cfg.Flavor == Ash,
	}
}

// errorf prints "name: message" on stderr and marks the run failed.
func (t *tool) errorf(format string, args ...any) {
	fmt.Fprintf(t.p.Stderr, t.name+": "+format+"\n", args...)
	t.status = 1
}

// usage reports bad usage the GNU way and returns the status to exit with.
func (t *tool) usage(format string, args ...any) int {
	t.errorf(format, args...)
	if !t.busybox {
		fmt.Fprintf(t.p.Stderr, "Try '%s --help' for more information.\n", t.name)
	}
	return 1
}

// abs resolves a path operand against the working directory.
func (t *tool) abs(p string) string { return cleanAbs(t.p.Dir, p) }

// q quotes a file name as GNU tools do in messages in the C locale.
func q(name string) string {
	if strings.Contains(name, "'") {
		return `"` + name + `"`
	}
	return "'" + name + "'"
}

// stop reports whether the run's budget is spent; loops call it per item.
func (t *tool) stop() bool { return t.ctx.Err() != nil }

// write writes to stdout and reports a failure the way programs die on a
// closed pipe: silently, with 128+SIGPIPE.
func (t *tool) write(b []byte) bool {
	if _, err := t.p.Stdout.Write(b); err != nil {
		if errors.Is(err, syscall.EPIPE) {
			t.status = 141
		} else {
			t.errorf("write error: %s", describe(err))
		}
		return false
	}
	return true
}

func (t *tool) print(s string) bool { return t.write([]byte(s)) }

// copyFile streams a regular file to w, zeros of large teaching copies
// included, charging a step per chunk.
func (t *tool) copyFile(w io.Writer, n union.Node) error {
	if _, err := w.Write(n.Data); err != nil {
		return err
	}
	zeros := make([]byte, 32<<10)
	for left := n.Size - int64(len(n.Data)); left > 0; {
		if t.stop() {
			return t.ctx.Err()
		}
		k := min(left, int64(len(zeros)))
		if _, err := w.Write(zeros[:k]); err != nil {
			return err
		}
		left -= k
	}
	return nil
}

// getopt parses options the GNU way: short options may be grouped (-la),
// letters followed by ':' in short take a value (-n 5, -n5), long options
// map to a short letter (--recursive → r) and may take "=value", options
// and operands may be mixed, and "--" ends the options.
type options struct {
	set  map[byte]string
	args []string
}

func (o options) has(c byte) bool { _, ok := o.set[c]; return ok }

func getopt(argv []string, short string, long map[string]byte) (options, error) {
	o := options{set: map[byte]string{}}
	takes := func(c byte) (known, arg bool) {
		i := strings.IndexByte(short, c)
		if i < 0 || c == ':' {
			return false, false
		}
		return true, i+1 < len(short) && short[i+1] == ':'
	}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--":
			o.args = append(o.args, argv[i+1:]...)
			return o, nil
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			c, ok := long[name]
			if !ok {
				return o, fmt.Errorf("unrecognized option '%s'", a)
			}
			_, needs := takes(c)
			if needs && !hasVal {
				if i+1 >= len(argv) {
					return o, fmt.Errorf("option '--%s' requires an argument", name)
				}
				i++
				val = argv[i]
			}
			o.set[c] = val
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				known, needs := takes(c)
				if !known {
					return o, fmt.Errorf("invalid option -- '%c'", c)
				}
				if !needs {
					o.set[c] = ""
					continue
				}
				val := a[j+1:]
				if val == "" {
					if i+1 >= len(argv) {
						return o, fmt.Errorf("option requires an argument -- '%c'", c)
					}
					i++
					val = argv[i]
				}
				o.set[c] = val
				break
			}
		default:
			o.args = append(o.args, a)
		}
	}
	return o, nil
}

// isDirNode reports whether a node is a directory.
func isDirNode(n union.Node) bool { return n.Type == layer.TypeDir }
