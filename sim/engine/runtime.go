package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/shell"
)

// runMain starts a container's main process and says how it behaves: a
// server keeps running, most commands end at once. Its output goes to the
// container's log.
func (e *Engine) runMain(ctx context.Context, c *Container) (processKind, int) {
	argv := c.Cmd
	// The official images' entrypoint scripts end in `exec "$@"`.
	for len(argv) > 1 && (path.Base(argv[0]) == "docker-entrypoint.sh") {
		argv = argv[1:]
	}
	name := path.Base(argv[0])
	var out, errb bytes.Buffer
	defer func() {
		e.appendLog(c, out.Bytes())
		e.appendLog(c, errb.Bytes())
	}()
	switch {
	case name == "sleep" && len(argv) == 2:
		if argv[1] == "infinity" {
			return processKind{serving: true, name: "sleep"}, 0
		}
		if d, err := parseSleep(argv[1]); err == nil {
			c.ExitAt = e.now.Add(d)
			c.pendingExit = 0
			return processKind{serving: true, name: "sleep"}, 0
		}
	case name == "nginx":
		fmt.Fprintln(&out, "/docker-entrypoint.sh: Configuration complete; ready for start up")
		return processKind{serving: true, handlesTerm: true, name: "nginx"}, 0
	case name == "gunicorn" || name == "uvicorn":
		fmt.Fprintf(&errb, "[INFO] Starting %s\n[INFO] Listening at: http://0.0.0.0:8000\n", name)
		return processKind{serving: true, handlesTerm: true, name: name}, 0
	case (name == "tail" && len(argv) > 1 && argv[1] == "-f") || name == "top":
		return processKind{serving: true, name: name}, 0
	case isShell(name) && len(argv) == 1:
		if c.Stdin {
			return processKind{serving: true, name: name}, 0
		}
		return processKind{name: name}, 0
	case strings.HasPrefix(name, "python") || name == "node":
		if kind, status, ok := e.runScript(c, argv, &out, &errb); ok {
			return kind, status
		}
	}
	var elapsed time.Duration
	now := func() time.Time { return e.now.Add(elapsed) }
	sleep := func(d time.Duration) {
		if d > 0 {
			elapsed += d
		}
	}
	_, _, home, uerr := e.userOf(c, c.User)
	if uerr != nil {
		c.startErr = uerr.Error()
		return processKind{name: name}, 126
	}
	// Both streams into one buffer: the log keeps the order of the writes.
	sh := e.shellWithClock(c, &out, &out, c.WorkDir, e.processEnv(c, c.TTY, c.Env, home), c.User, now, sleep, mainSteps)
	status, err := sh.RunArgv(ctx, argv)
	if msg, ok := startFailure(err); ok {
		c.startErr = "failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: " + msg + ": unknown"
		if status == 0 {
			status = 126
		}
		return processKind{name: name}, status
	}
	if errors.Is(err, shell.ErrBudget) {
		// A loop that never ends by itself (while true; do sleep 1; done):
		// the process keeps running; its output so far is in the log.
		err = shell.ErrRunning
	}
	if err == nil && elapsed > 0 {
		// It ends by itself, but only after its sleeps on its own clock.
		c.ExitAt = e.now.Add(elapsed)
		c.pendingExit = status
		return processKind{serving: true, name: name}, 0
	}
	if errors.Is(err, shell.ErrRunning) {
		// A program that never ends by itself: a server, sleep infinity.
		kind := processKind{serving: true, name: name}
		// Checked with podman and busybox: `kill -s INT` of a looping
		// `sh -c` script as PID 1 ended it with 130, trap on TERM or not,
		// while `sleep` as PID 1 ignored it.
		kind.shellC = (name == "sh" || name == "ash" || name == "dash") && len(argv) > 1 && argv[1] == "-c"
		if trapsTerm(sh) {
			kind.trapExit, kind.handlesTerm = trapExitCode(strings.Join(argv, " "))
			kind.trapped = kind.handlesTerm
		}
		return kind, 0
	}
	if err != nil {
		fmt.Fprintf(&errb, "%v\n", err)
		if status == 0 {
			status = 126
		}
	}
	return processKind{name: name}, status
}

// mainSteps is the step budget of a container's main process: past it, a
// script is taken to loop forever, as servers and watch loops do.
const mainSteps = 5000

// trapsTerm reports whether the main process installed a SIGTERM handler.
func trapsTerm(sh *shell.Shell) bool {
	for _, sig := range sh.Trapped() {
		if sig == "TERM" || sig == "SIGTERM" || sig == "15" {
			return true
		}
	}
	return false
}

var trapPattern = regexp.MustCompile(`trap\s+(?:'([^']*)'|"([^"]*)")\s+[^;\n]*\b(?:SIG)?(?:TERM|15)\b`)
var exitPattern = regexp.MustCompile(`\bexit(?:\s+(\d+))?`)

// trapExitCode reads the status a script's SIGTERM trap exits with. A
// handler that does not exit leaves the script running, as if it ignored the
// signal: docker stop then ends it with SIGKILL.
func trapExitCode(script string) (code int, exits bool) {
	m := trapPattern.FindStringSubmatch(script)
	if m == nil {
		return 0, false
	}
	action := m[1] + m[2]
	x := exitPattern.FindStringSubmatch(action)
	if x == nil {
		return 0, false
	}
	if x[1] == "" {
		return 0, true
	}
	n, _ := strconv.Atoi(x[1])
	return n & 0xff, true
}

func isShell(name string) bool {
	switch name {
	case "sh", "bash", "ash", "dash", "zsh":
		return true
	}
	return false
}

func parseSleep(s string) (time.Duration, error) {
	unit := time.Second
	switch {
	case strings.HasSuffix(s, "m"):
		unit, s = time.Minute, strings.TrimSuffix(s, "m")
	case strings.HasSuffix(s, "h"):
		unit, s = time.Hour, strings.TrimSuffix(s, "h")
	case strings.HasSuffix(s, "d"):
		unit, s = 24*time.Hour, strings.TrimSuffix(s, "d")
	case strings.HasSuffix(s, "s"):
		s = strings.TrimSuffix(s, "s")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("invalid time interval")
	}
	return time.Duration(f * float64(unit)), nil
}

var (
	serverPattern = regexp.MustCompile(`\.run\(|serve_forever\(|uvicorn\.run\(|\.listen\(|createServer\(`)
	printPattern  = regexp.MustCompile(`(?m)^\s*(?:print|console\.log)\(\s*["']([^"'\n]*)["']\s*\)`)
)

// runScript simulates `python app.py` and `node server.js`: the interpreter
// reads the script from the container's filesystem; a script that starts a
// server keeps running, any other prints its literal print lines and ends.
func (e *Engine) runScript(c *Container, argv []string, out, errb *bytes.Buffer) (processKind, int, bool) {
	name := path.Base(argv[0])
	if _, err := c.fs.Stat(argv[0]); err != nil && !strings.Contains(argv[0], "/") {
		// Resolve through PATH: an interpreter the image lacks is not found.
		if _, ok := lookPath(c.fs, name, envToMap(c.Env)["PATH"]); !ok {
			return processKind{}, 0, false
		}
	}
	var script string
	for i, a := range argv[1:] {
		switch {
		case strings.HasPrefix(name, "python") && slices.Contains([]string{"-c", "-m", "--version", "-V", "-VV"}, a):
			// python -c CODE, python --version: the python program of the
			// shell answers them.
			return processKind{}, 0, false
		case name == "node" && slices.Contains([]string{"-e", "-p", "--eval", "--print", "--version", "-v"}, a):
			return processKind{name: name}, nodeArgs(c, argv[1+i:], out, errb), true
		}
		if !strings.HasPrefix(a, "-") {
			script = a
			break
		}
	}
	if script == "" {
		// An interactive interpreter with no terminal reads EOF and exits.
		if c.Stdin {
			return processKind{serving: true, name: name}, 0, true
		}
		return processKind{name: name}, 0, true
	}
	full := script
	if !path.IsAbs(full) {
		full = path.Join(c.WorkDir, script)
	}
	data, err := c.fs.ReadFile(full)
	if err != nil {
		if name == "node" {
			fmt.Fprintf(errb, "node:internal/modules/cjs/loader:1228\n  throw err;\n  ^\n\nError: Cannot find module '%s'\n", full)
			return processKind{name: name}, 1, true
		}
		fmt.Fprintf(errb, "%s: can't open file '%s': [Errno 2] No such file or directory\n", name, full)
		return processKind{name: name}, 2, true
	}
	if serverPattern.Match(data) {
		if strings.HasPrefix(name, "python") {
			fmt.Fprintf(out, " * Serving Flask app '%s'\n * Debug mode: off\n", strings.TrimSuffix(path.Base(script), ".py"))
			fmt.Fprintln(errb, "WARNING: This is a development server. Do not use it in a production deployment. Use a production WSGI server instead.\n * Running on all addresses (0.0.0.0)\n * Running on http://127.0.0.1:8000\nPress CTRL+C to quit")
		} else {
			fmt.Fprintln(out, "Server listening on port 3000")
		}
		return processKind{serving: true, name: name, app: data}, 0, true
	}
	for _, m := range printPattern.FindAllSubmatch(data, -1) {
		out.Write(m[1])
		out.WriteByte('\n')
	}
	return processKind{name: name}, 0, true
}

// nodeArgs runs node --version and node -e CODE: CODE runs when it is
// console.log() of literal strings or numbers, and otherwise says it did not.
func nodeArgs(c *Container, args []string, out, errb *bytes.Buffer) int {
	switch args[0] {
	case "--version", "-v":
		v := envToMap(c.Env)["NODE_VERSION"]
		if v == "" {
			v = "20.18.0"
		}
		fmt.Fprintf(out, "v%s\n", v)
		return 0
	}
	if len(args) < 2 {
		fmt.Fprintf(errb, "node: %s requires an argument\n", args[0])
		return 9
	}
	for _, stmt := range strings.Split(args[1], ";") {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" {
			continue
		}
		m := nodeLogPattern.FindStringSubmatch(stmt)
		if m == nil {
			fmt.Fprintf(errb, "layerlab: node -e runs only console.log() of literal strings and numbers; %q did not run\n", stmt)
			return 0
		}
		fmt.Fprintln(out, firstNonEmpty(m[1], m[2], m[3]))
	}
	return 0
}

var nodeLogPattern = regexp.MustCompile(`^console\.log\(\s*(?:"([^"]*)"|'([^']*)'|(-?[0-9]+(?:\.[0-9]+)?))\s*\)$`)

func lookPath(fs shell.FS, name, pathEnv string) (string, bool) {
	for _, dir := range strings.Split(pathEnv, ":") {
		p := path.Join("/", dir, name)
		if n, err := fs.Stat(p); err == nil && n.Mode&0o111 != 0 {
			return p, true
		}
	}
	return "", false
}

// appendLog keeps a container's output, capped.
func (e *Engine) appendLog(c *Container, b []byte) {
	room := e.limits.OutputBytes - c.Logs.Len()
	if room <= 0 {
		return
	}
	if len(b) > room {
		b = b[:room]
	}
	if len(b) > 0 {
		c.logMarks = append(c.logMarks, logMark{offset: c.Logs.Len(), at: e.now})
	}
	c.Logs.Write(b)
}

// logMark records when the log bytes from offset on were written.
type logMark struct {
	offset int
	at     time.Time
}

// LogLine is one line of a container's log with the time it was written.
type LogLine struct {
	Time time.Time
	Text string // with its newline
}

// LogLines splits the log into lines stamped by the virtual clock, for
// docker logs -t.
func (c *Container) LogLines() []LogLine {
	data := c.Logs.String()
	var out []LogLine
	mi := 0
	for off := 0; off < len(data); {
		end := strings.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += off + 1
		}
		for mi+1 < len(c.logMarks) && c.logMarks[mi+1].offset <= off {
			mi++
		}
		var at time.Time
		if mi < len(c.logMarks) {
			at = c.logMarks[mi].at
		}
		out = append(out, LogLine{Time: at, Text: data[off:end]})
		off = end
	}
	return out
}

// programsFor is the map of programs inside a container.
func (e *Engine) programsFor(c *Container) shell.Programs { return e.lib.programs }

// stopSignal turns a STOPSIGNAL value into a signal number (default SIGTERM).
func stopSignal(s string) int {
	switch strings.TrimPrefix(strings.ToUpper(s), "SIG") {
	case "", "TERM", "15":
		return 15
	case "QUIT", "3":
		return 3
	case "INT", "2":
		return 2
	case "KILL", "9":
		return 9
	case "HUP", "1":
		return 1
	case "USR1", "10":
		return 10
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return 15
}

// signalNumbers are the signals docker kill -s and STOPSIGNAL name.
var signalNumbers = map[string]int{
	"HUP": 1, "INT": 2, "QUIT": 3, "KILL": 9, "USR1": 10, "USR2": 12, "TERM": 15, "STOP": 19, "CONT": 18, "WINCH": 28,
}

// ParseSignal reads a signal as docker kill -s takes it: KILL, SIGKILL or 9.
func ParseSignal(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 1 || n > 64 {
			return 0, fmt.Errorf("invalid signal: %s", s)
		}
		return n, nil
	}
	if n, ok := signalNumbers[strings.TrimPrefix(strings.ToUpper(s), "SIG")]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("invalid signal: %s", s)
}

// signalName is SIGTERM for 15.
func signalName(n int) string {
	for name, v := range signalNumbers {
		if v == n {
			return "SIG" + name
		}
	}
	return fmt.Sprintf("signal %d", n)
}
