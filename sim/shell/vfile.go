package shell

import (
	"bytes"
	"encoding/binary"
	"io"
	"strings"
	"syscall"
)

// vfile is a file a redirection opened for writing. Writes are buffered and
// reach the Overlay when the file is closed, or earlier whenever anything
// else touches the filesystem (Shell.flush): a loop that writes line by line
// does not rewrite the whole file each time, and nobody ever sees the
// buffer.
type vfile struct {
	s       *Shell
	v       vfs
	path    string
	buf     []byte
	pending bool
	closed  bool
	err     error
}

// flushAt is how much a vfile buffers before writing through anyway.
const flushAt = 256 << 10

func (f *vfile) Write(p []byte) (int, error) {
	if isInternalTrace(p) {
		return len(p), nil
	}
	if f.closed {
		return 0, syscall.EBADF
	}
	if f.err != nil {
		return 0, f.err
	}
	if !f.pending {
		f.pending = true
		f.s.pending = append(f.s.pending, f)
	}
	f.buf = append(f.buf, p...)
	if len(f.buf) >= flushAt {
		f.flush()
		if f.err != nil {
			return 0, f.err
		}
	}
	return len(p), nil
}

func (f *vfile) flush() {
	if len(f.buf) == 0 || f.err != nil {
		f.buf = f.buf[:0]
		return
	}
	if err := f.v.appendFile(f.path, f.buf); err != nil {
		f.err = err
	}
	f.buf = f.buf[:0]
}

func (f *vfile) Read([]byte) (int, error) { return 0, syscall.EBADF }

func (f *vfile) Close() error {
	if f.closed {
		return nil
	}
	f.flush()
	f.closed = true
	return nil
}

// flush writes every buffered redirection through to the Overlay.
func (s *Shell) flush() {
	if len(s.pending) == 0 {
		return
	}
	for _, f := range s.pending {
		f.flush()
		f.pending = false
	}
	s.pending = s.pending[:0]
}

// rfile is a file opened for reading: a snapshot of its content when it was
// opened. The interpreter may read it from another goroutine (it copies
// redirected input into an OS pipe), so it shares nothing mutable.
type rfile struct{ r io.Reader }

func (f *rfile) Read(p []byte) (int, error)   { return f.r.Read(p) }
func (f *rfile) Write([]byte) (int, error)    { return 0, syscall.EBADF }
func (f *rfile) Close() error                 { return nil }
func readOnly(data []byte) io.ReadWriteCloser { return &rfile{r: bytes.NewReader(data)} }

// wfile writes to another writer, for /dev/stdout and friends.
type wfile struct{ w io.Writer }

func (f *wfile) Read([]byte) (int, error)    { return 0, syscall.EBADF }
func (f *wfile) Write(p []byte) (int, error) { return f.w.Write(p) }
func (f *wfile) Close() error                { return nil }

// devNull reads as empty and swallows writes.
type devNull struct{}

func (devNull) Read([]byte) (int, error)    { return 0, io.EOF }
func (devNull) Write(p []byte) (int, error) { return len(p), nil }
func (devNull) Close() error                { return nil }

// devZero reads as endless zeros.
type devZero struct{}

func (devZero) Read(p []byte) (int, error)  { clear(p); return len(p), nil }
func (devZero) Write(p []byte) (int, error) { return len(p), nil }
func (devZero) Close() error                { return nil }

// devFull is /dev/full: writing to it always fails.
type devFull struct{ devZero }

func (devFull) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// devRandom is /dev/urandom from a seeded generator: the same session gives
// the same bytes. Each open has its own state.
type devRandom struct{ state uint64 }

func (d *devRandom) Read(p []byte) (int, error) {
	var word [8]byte
	for i := 0; i < len(p); i += 8 {
		d.state = splitmix(d.state)
		binary.LittleEndian.PutUint64(word[:], d.state)
		copy(p[i:], word[:])
	}
	return len(p), nil
}
func (d *devRandom) Write(p []byte) (int, error) { return len(p), nil }
func (d *devRandom) Close() error                { return nil }

// splitmix is SplitMix64, a small deterministic generator.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	z := x
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// nextRandom draws from the session's generator ($RANDOM, /dev/urandom).
func (s *Shell) nextRandom() uint64 {
	s.rand = splitmix(s.rand)
	return s.rand
}

// device kinds of the /dev entries every container has.
type device uint8

const (
	devNone device = iota
	devNullKind
	devZeroKind
	devFullKind
	devRandomKind
	devStdin
	devStdout
	devStderr
	devTTY
)

// deviceAt says whether p is one of the device files a container runtime
// always provides, whatever the image holds.
func deviceAt(p string) device {
	switch p {
	case "/dev/null":
		return devNullKind
	case "/dev/zero":
		return devZeroKind
	case "/dev/full":
		return devFullKind
	case "/dev/random", "/dev/urandom":
		return devRandomKind
	case "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0":
		return devStdin
	case "/dev/stdout", "/dev/fd/1", "/proc/self/fd/1":
		return devStdout
	case "/dev/stderr", "/dev/fd/2", "/proc/self/fd/2":
		return devStderr
	case "/dev/tty", "/dev/console":
		return devTTY
	}
	return devNone
}

// pipeDir holds the in-memory buffers the rewriter puts between the two
// sides of a pipeline. The paths exist only for the shell's open handler.
const pipeDir = "/dev/.layerlab-pipe/"

// pipeLimit is what one side of a pipeline may write before the reader
// "closes" it: further writes fail with EPIPE, as when a reader exits early.
const pipeLimit = 8 << 20

// pipeBuf holds what the left side of one pipeline wrote.
type pipeBuf struct {
	data        []byte
	left, right int  // the statuses of the two sides (set when they fail)
	pipefail    bool // whether pipefail was set when the pipeline ran
	broken      bool // the left side wrote more than the reader takes
}

type pipeWriter struct{ b *pipeBuf }

func (w *pipeWriter) Write(p []byte) (int, error) {
	if isInternalTrace(p) {
		return len(p), nil
	}
	if len(w.b.data)+len(p) > pipeLimit {
		w.b.broken = true
		return 0, syscall.EPIPE
	}
	w.b.data = append(w.b.data, p...)
	return len(p), nil
}
func (w *pipeWriter) Read([]byte) (int, error) { return 0, syscall.EBADF }
func (w *pipeWriter) Close() error             { return nil }

// openPipe opens one end of a rewritten pipeline: writing starts a new
// buffer for this run of the pipeline, reading returns what it holds.
func (s *Shell) openPipe(name string, write bool) (io.ReadWriteCloser, bool) {
	stack := s.pipes[name]
	if write {
		b := &pipeBuf{}
		s.pipes[name] = append(stack, b)
		return &pipeWriter{b: b}, true
	}
	if len(stack) == 0 {
		return nil, false
	}
	// Copy: the reader may run on the interpreter's copying goroutine.
	return readOnly(bytes.Clone(stack[len(stack)-1].data)), true
}

// pipeTop is the innermost running instance of a pipeline.
func (s *Shell) pipeTop(name string) *pipeBuf {
	stack := s.pipes[name]
	if len(stack) == 0 {
		return nil
	}
	return stack[len(stack)-1]
}

// pipeDone drops the innermost instance of a pipeline.
func (s *Shell) pipeDone(name string) {
	stack := s.pipes[name]
	if len(stack) > 0 {
		stack[len(stack)-1] = nil
		s.pipes[name] = stack[:len(stack)-1]
	}
}

// sourcePrefix names the rewritten text of a sourced file for the open
// handler. The NUL byte makes it a name no script can spell.
const sourcePrefix = "\x00source/"

func isSourceName(p string) bool { return strings.HasPrefix(p, sourcePrefix) }
