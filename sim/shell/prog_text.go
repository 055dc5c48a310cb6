package shell

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/expand"

	"github.com/layerlab/layerlab/sim/layer"
)

// maxRead is the most a program reads of one input into memory.
const maxRead = 64 << 20

// stepReader charges a step of the run's budget per read of at most
// stepBytes, so that reading an endless device ends with the budget.
type stepReader struct {
	t *tool
	r io.Reader
}

const stepBytes = 1 << 10

func (r stepReader) Read(p []byte) (int, error) {
	if err := r.t.ctx.Err(); err != nil {
		return 0, err
	}
	if len(p) > stepBytes {
		p = p[:stepBytes]
	}
	return r.r.Read(p)
}

// open is an input as a stream: a file (its zeros included), a device, or
// stdin for "-".
func (t *tool) open(name string) (io.Reader, error) {
	if name == "-" {
		return stepReader{t, t.p.Stdin}, nil
	}
	p := t.abs(name)
	switch deviceAt(p) {
	case devNullKind:
		return strings.NewReader(""), nil
	case devZeroKind:
		return stepReader{t, devZero{}}, nil
	case devRandomKind:
		return stepReader{t, &devRandom{state: t.p.Shell.nextRandom()}}, nil
	case devStdin:
		return stepReader{t, t.p.Stdin}, nil
	case devStdout, devStderr, devTTY, devFullKind:
		return nil, syscall.ENXIO
	}
	n, err := t.v.stat(p)
	if err != nil {
		return nil, err
	}
	if n.Type == layer.TypeDir {
		return nil, syscall.EISDIR
	}
	if !t.v.may(n, 4) {
		return nil, syscall.EACCES
	}
	var r io.Reader = bytes.NewReader(n.Data)
	if rest := n.Size - int64(len(n.Data)); rest > 0 {
		r = io.MultiReader(r, io.LimitReader(devZero{}, rest))
	}
	return stepReader{t, r}, nil
}

// slurp reads a whole input, up to maxRead bytes.
func (t *tool) slurp(name string) ([]byte, error) {
	r, err := t.open(name)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, maxRead+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxRead {
		return nil, syscall.EFBIG
	}
	return data, nil
}

// inputs is the operands, or stdin when there are none.
func inputs(args []string) []string {
	if len(args) == 0 {
		return []string{"-"}
	}
	return args
}

// cat [-n] [file…]
func catProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "nuAbesvET", map[string]byte{"number": 'n'})
	if err != nil {
		return t.usage("%v", err)
	}
	line := 0
	for _, a := range inputs(o.args) {
		r, err := t.open(a)
		if err != nil {
			if t.busybox {
				t.errorf("can't open %s: %s", q(a), describe(err))
			} else {
				t.errorf("%s: %s", a, describe(err))
			}
			continue
		}
		if !o.has('n') {
			if _, err := io.Copy(t.p.Stdout, r); err != nil {
				if t.stop() {
					return 1
				}
				t.write(nil)
				if errorsIsPipe(err) {
					return 141
				}
			}
			continue
		}
		sc := bufio.NewScanner(r)
		sc.Buffer(nil, maxRead)
		for sc.Scan() {
			line++
			if !t.print(fmt.Sprintf("%6d\t%s\n", line, sc.Text())) {
				return t.status
			}
		}
	}
	return t.status
}

func errorsIsPipe(err error) bool { return errno(err) == syscall.EPIPE }

// lines splits data into lines that keep their newline.
func lines(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			out = append(out, data)
			break
		}
		out = append(out, data[:i+1])
		data = data[i+1:]
	}
	return out
}

// count reads head's and tail's -n/-c values: "5", "+5" (tail: from the
// fifth), "-5" (head: all but the last five).
func count(s string) (n int64, sign byte, ok bool) {
	if s != "" && (s[0] == '+' || s[0] == '-') {
		sign, s = s[0], s[1:]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, sign, err == nil && n >= 0
}

// legacyCount turns head -5 / tail -5 into -n 5.
func legacyCount(args []string) []string {
	out := make([]string, 0, len(args))
	for i, a := range args {
		if i == 0 && len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "0123456789") == "" {
			out = append(out, "-n", a[1:])
			continue
		}
		out = append(out, a)
	}
	return out
}

// head [-n N] [-c N] [file…]
func headProg(ctx context.Context, p *Proc) int {
	return headTail(ctx, p, true)
}

// tail [-n [+]N] [-c [+]N] [-f] [file…]
func tailProg(ctx context.Context, p *Proc) int {
	return headTail(ctx, p, false)
}

func headTail(ctx context.Context, p *Proc, head bool) int {
	t := newTool(ctx, p)
	o, err := getopt(legacyCount(p.Args[1:]), "n:c:qvfF", map[string]byte{
		"lines": 'n', "bytes": 'c', "quiet": 'q', "silent": 'q', "verbose": 'v', "follow": 'f',
	})
	if err != nil {
		return t.usage("%v", err)
	}
	spec, bytesMode := "10", false
	if o.has('n') {
		spec = o.set['n']
	}
	if o.has('c') {
		spec, bytesMode = o.set['c'], true
	}
	n, sign, ok := count(spec)
	if !ok {
		what := "lines"
		if bytesMode {
			what = "bytes"
		}
		t.errorf("invalid number of %s: %s", what, q(spec))
		return 1
	}
	files := inputs(o.args)
	for i, a := range files {
		if (len(files) > 1 && !o.has('q')) || o.has('v') {
			name := a
			if a == "-" {
				name = "standard input"
			}
			sep := ""
			if i > 0 {
				sep = "\n"
			}
			t.print(sep + "==> " + name + " <==\n")
		}
		var data []byte
		var err error
		if head && sign != '-' && bytesMode {
			// Streamed, so that head -c of an endless device holds one
			// chunk at a time and a full disk stops it early.
			r, oerr := t.open(a)
			if oerr == nil {
				if !t.stream(io.LimitReader(r, n)) {
					return t.status
				}
				continue
			}
			err = oerr
		} else if head && sign != '-' {
			data, err = t.headLines(a, n)
		} else {
			data, err = t.slurp(a)
		}
		if err != nil {
			if t.stop() {
				return 1
			}
			switch {
			case t.busybox && head:
				t.errorf("%s: %s", a, describe(err))
			case t.busybox:
				t.errorf("can't open '%s': %s", a, describe(err))
			default:
				t.errorf("cannot open %s for reading: %s", q(a), describe(err))
			}
			continue
		}
		if !t.write(cut(data, n, sign, head, bytesMode)) {
			return t.status
		}
	}
	if !head && o.has('f') {
		p.Forever()
	}
	return t.status
}

// stream copies r to stdout a chunk at a time.
func (t *tool) stream(r io.Reader) bool {
	buf := make([]byte, 32<<10)
	for {
		n, err := io.ReadFull(r, buf)
		if n > 0 && !t.write(buf[:n]) {
			return false
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return true
		case err != nil:
			if !t.stop() {
				t.errorf("read error: %s", describe(err))
			}
			t.status = 1
			return false
		}
	}
}

// headLines reads only as many lines as head needs, so head works on
// endless inputs.
func (t *tool) headLines(name string, n int64) ([]byte, error) {
	r, err := t.open(name)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReader(r)
	var out []byte
	for i := int64(0); i < n; i++ {
		line, err := br.ReadBytes('\n')
		out = append(out, line...)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if len(out) > maxRead {
			return nil, syscall.EFBIG
		}
	}
	return out, nil
}

// cut selects what head or tail prints.
func cut(data []byte, n int64, sign byte, head, bytesMode bool) []byte {
	if bytesMode {
		size := int64(len(data))
		switch {
		case head && sign == '-':
			return data[:max(0, size-n)]
		case head:
			return data[:min(size, n)]
		case sign == '+':
			return data[min(size, max(n-1, 0)):]
		}
		return data[max(0, size-n):]
	}
	ls := lines(data)
	size := int64(len(ls))
	var pick [][]byte
	switch {
	case head && sign == '-':
		pick = ls[:max(0, size-n)]
	case head:
		pick = ls[:min(size, n)]
	case sign == '+':
		pick = ls[min(size, max(n-1, 0)):]
	default:
		pick = ls[max(0, size-n):]
	}
	return bytes.Join(pick, nil)
}

// wc [-lwcm] [file…], with GNU's column widths.
func wcProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "lwcmL", map[string]byte{"lines": 'l', "words": 'w', "bytes": 'c', "chars": 'm'})
	if err != nil {
		return t.usage("%v", err)
	}
	show := []bool{o.has('l'), o.has('w'), o.has('m'), o.has('c')}
	if !show[0] && !show[1] && !show[2] && !show[3] {
		show = []bool{true, true, false, true}
	}
	shown := 0
	for _, b := range show {
		if b {
			shown++
		}
	}
	files := inputs(o.args)
	// GNU pads to the digits of the regular files' total size (at least 7
	// when one input is not a regular file), except for one count of one
	// input.
	width := 1
	if !(len(files) == 1 && shown == 1) {
		var total int64
		minimum := 1
		for _, a := range files {
			if a == "-" {
				minimum = 7
				continue
			}
			if n, err := t.v.stat(t.abs(a)); err == nil {
				if n.Type == layer.TypeReg {
					total += n.Size
				} else {
					minimum = 7
				}
			}
		}
		for ; total >= 10; total /= 10 {
			width++
		}
		width = max(width, minimum)
	}
	var totals [4]int64
	printRow := func(c [4]int64, name string) {
		var b strings.Builder
		for i, v := range c {
			if !show[i] {
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			fmt.Fprintf(&b, "%*d", width, v)
		}
		if name != "" {
			b.WriteString(" " + name)
		}
		t.print(b.String() + "\n")
	}
	for _, a := range files {
		data, err := t.slurp(a)
		if err != nil {
			if t.stop() {
				return 1
			}
			t.errorf("%s: %s", a, describe(err))
			continue
		}
		c := [4]int64{int64(bytes.Count(data, []byte("\n"))), int64(len(bytes.Fields(data))), int64(len([]rune(string(data)))), int64(len(data))}
		for i := range c {
			totals[i] += c[i]
		}
		name := a
		if a == "-" && len(o.args) == 0 {
			name = ""
		}
		printRow(c, name)
	}
	if len(files) > 1 {
		printRow(totals, "total")
	}
	return t.status
}

// tee [-a] [file…]
func teeProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "ai", map[string]byte{"append": 'a'})
	if err != nil {
		return t.usage("%v", err)
	}
	data, err := io.ReadAll(io.LimitReader(stepReader{t, p.Stdin}, maxRead))
	if err != nil && t.stop() {
		return 1
	}
	t.write(data)
	for _, a := range o.args {
		target := t.abs(a)
		var err error
		switch dev := deviceAt(target); {
		case dev == devNullKind:
		case dev == devStdout:
			t.write(data)
		case dev == devStderr:
			p.Stderr.Write(data)
		case o.has('a'):
			if _, serr := t.v.stat(target); errno(serr) == syscall.ENOENT {
				err = t.v.writeFile(target, data, 0o666)
			} else {
				err = t.v.appendFile(target, data)
			}
		default:
			err = t.v.writeFile(target, data, 0o666)
		}
		if err != nil {
			t.errorf("%s: %s", a, describe(err))
		}
	}
	return t.status
}

// echo as /bin/echo (GNU): -n, -e, -E.
func echoProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	newline, escapes := true, false
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && strings.Trim(args[0][1:], "neE") == "" {
		for _, c := range args[0][1:] {
			switch c {
			case 'n':
				newline = false
			case 'e':
				escapes = true
			case 'E':
				escapes = false
			}
		}
		args = args[1:]
	}
	var b []byte
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		if escapes {
			var stop bool
			if b, stop = appendEscaped(b, a); stop {
				t.write(b)
				return t.status
			}
			continue
		}
		b = append(b, a...)
	}
	if newline {
		b = append(b, '\n')
	}
	t.write(b)
	return t.status
}

// printf format [arg…], as the shell's builtin formats it.
func printfProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	if len(p.Args) < 2 {
		return t.usage("missing operand")
	}
	format, args := p.Args[1], p.Args[2:]
	var out strings.Builder
	for {
		s, n, err := expand.Format(nil, format, args)
		if err != nil {
			t.errorf("%v", err)
			return 1
		}
		out.WriteString(s)
		if out.Len() > maxRead {
			return 1
		}
		args = args[n:]
		if n == 0 || len(args) == 0 {
			break
		}
	}
	t.print(out.String())
	return t.status
}

func trueProg(context.Context, *Proc) int  { return 0 }
func falseProg(context.Context, *Proc) int { return 1 }

// yes [string]: prints until its reader goes away or the budget ends.
func yesProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	word := "y"
	if len(p.Args) > 1 {
		word = strings.Join(p.Args[1:], " ")
	}
	chunk := bytes.Repeat([]byte(word+"\n"), max(1, 8192/(len(word)+1)))
	for !t.stop() {
		if _, err := p.Stdout.Write(chunk); err != nil {
			if errorsIsPipe(err) {
				return 141
			}
			return 1
		}
	}
	return 1
}

// sleep N[smhd]… advances the virtual clock; sleep infinity runs until the
// process is stopped.
func sleepProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	if len(p.Args) < 2 {
		return t.usage("missing operand")
	}
	var total time.Duration
	for _, a := range p.Args[1:] {
		if a == "infinity" || a == "inf" {
			p.Forever()
			return 0
		}
		unit := time.Second
		num := a
		switch {
		case strings.HasSuffix(a, "s"):
			num = a[:len(a)-1]
		case strings.HasSuffix(a, "m"):
			num, unit = a[:len(a)-1], time.Minute
		case strings.HasSuffix(a, "h"):
			num, unit = a[:len(a)-1], time.Hour
		case strings.HasSuffix(a, "d"):
			num, unit = a[:len(a)-1], 24*time.Hour
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil || f < 0 {
			t.errorf("invalid time interval %s", q(a))
			fmt.Fprintf(p.Stderr, "Try 'sleep --help' for more information.\n")
			return 1
		}
		total += time.Duration(f * float64(unit))
	}
	p.Sleep(total)
	return 0
}

// test and [ as programs (/usr/bin/test, /usr/bin/[) behave as the
// builtin does: they run it in a nested shell.
func testProg(ctx context.Context, p *Proc) int {
	name := "test"
	if strings.HasSuffix(p.Args[0], "[") {
		name = "["
	}
	return p.RunScript(ctx, p.Shell.cfg.Flavor, name, name+` "$@"`, p.Args[1:])
}

// readAllLimited reads a program's whole stdin, within the run's budget.
func readAllLimited(ctx context.Context, p *Proc) ([]byte, error) {
	t := newTool(ctx, p)
	data, err := io.ReadAll(io.LimitReader(stepReader{t, p.Stdin}, maxRead))
	if err != nil && t.stop() {
		return nil, err
	}
	return data, nil
}
