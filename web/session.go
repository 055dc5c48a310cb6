package web

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"
	"testing/fstest"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// pageturnContext is the build context every new playground starts with: the
// Pageturn app, a small Python web app for readers.
var pageturnContext = map[string]string{
	"Dockerfile": `FROM python:3.12
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
EXPOSE 8000
CMD ["python", "app.py"]
`,
	"requirements.txt": "flask==3.0.3\n",
	"app.py": `from flask import Flask

app = Flask(__name__)


@app.get("/")
def shelf():
    return "Pageturn: your reading list"


if __name__ == "__main__":
    app.run(host="0.0.0.0", port=8000)
`,
}

// Limits of one session's log and build context.
const (
	maxLogEntries   = 2000
	maxLogBytes     = 4 << 20 // what one session's log may hold in all
	maxContextFiles = 64
	maxFileBytes    = 64 << 10
	maxTranscript   = 64 << 10
)

// sessionMode is what kind of session a websocket opens: the playground,
// or a lesson. It prepares the starting state and adds its own report to
// every command's result.
type sessionMode interface {
	// setup puts the engine in the mode's starting state.
	setup(c *docker.Console) error
	// report is added to each result as "mode" (nil adds nothing): a
	// lesson says which steps are done.
	report(sess *session) any
}

// keyedMode is a mode that keeps its own saved session per learner; modes
// without a key share the "play" session.
type keyedMode interface {
	key() string
}

// playground is the free sandbox: the Pageturn context, python:3.12 present.
type playground struct{}

func (playground) setup(c *docker.Console) error { return c.Engine().Preload("python:3.12") }
func (playground) report(*session) any           { return nil }

// modeFor reads which mode a websocket asks for: ?lesson=ID opens a lesson
// for learner.
func (s *Server) modeFor(c echo.Context, learner string) (sessionMode, error) {
	if id := c.QueryParam("lesson"); id != "" {
		return s.lessonMode(c, id, learner)
	}
	return playground{}, nil
}

func modeKey(m sessionMode) string {
	if k, ok := m.(keyedMode); ok {
		return k.key()
	}
	return "play"
}

// session is one learner's simulator: a seed and a log, replayed into a
// console. Everything a learner does is appended to the log (and stored),
// so a reload, a reconnect or a server restart rebuilds the same state.
type session struct {
	srv        *Server
	learner    string
	key        string
	mode       sessionMode
	seed       uint64
	log        []LogEntry
	logBytes   int
	redo       []LogEntry
	files      map[string][]byte
	console    *docker.Console
	events     []sim.Event
	transcript strings.Builder
	replaying  bool
	// lang is the language its narration is told in (web/locale): the
	// page's that opened it.
	lang string
}

type runResult struct {
	output    string
	narration []narrationLine
}

type narrationLine struct{ kind, text, target string }

// newSession starts a fresh session in mode (not stored): the home page's
// first picture and tests use it.
func (s *Server) newSession(mode sessionMode) *session {
	sess := &session{srv: s, mode: mode, key: modeKey(mode), seed: 1}
	sess.rebuild()
	return sess
}

// openSession loads a learner's stored session in mode, or starts one. The
// replay waits for the heavy gate: replays are the heaviest thing a
// request can ask for, and only a few run at once.
func (s *Server) openSession(ctx context.Context, learner string, mode sessionMode) (*session, error) {
	sess := &session{srv: s, learner: learner, mode: mode, key: modeKey(mode)}
	seed, log, found, err := s.Store.LoadSession(ctx, learner, sess.key)
	if err != nil {
		return nil, err
	}
	if !found {
		seed = newSeed()
		if err := s.Store.SaveSession(ctx, learner, sess.key, seed, nil); err != nil {
			return nil, err
		}
	}
	// A session whose console closed a moment ago is still in memory:
	// taken back as it is when it is still what is stored.
	if idle := s.idle.take(learner + "|" + sess.key); idle != nil && found && idle.matches(seed, log) {
		return idle, nil
	}
	sess.seed, sess.log = seed, log
	for _, e := range log {
		sess.logBytes += e.size()
	}
	if err := sess.replay(ctx); err != nil {
		return nil, err
	}
	return sess, nil
}

// replay rebuilds the session. A session with a log to replay waits, at
// most until ctx ends, for the heavy gate (web/workpool.go); a new one only
// sets its mode up, which is light.
func (sess *session) replay(ctx context.Context) error {
	if len(sess.log) > 0 {
		heavy := sess.srv.pools().heavy
		if err := heavy.enter(ctx); err != nil {
			return err
		}
		defer heavy.leave()
		sess.rebuild()
		// A lesson works out the steps done by playing the log once more
		// (lessonMode.catchUp): do it here, in the gate, not in the hello.
		sess.mode.report(sess)
		return nil
	}
	sess.rebuild()
	return nil
}

func newSeed() uint64 {
	var b [8]byte
	rand.Read(b[:])
	return binary.LittleEndian.Uint64(b[:]) >> 1 // fits SQLite's signed integers
}

// rebuild replays the seed and log into a fresh engine. Each entry gets
// the time a live command gets, however long the log (SIM-13: a replay
// reproduces everything that was answered, so no total deadline cuts it
// short); the log's own limits bound the whole.
func (sess *session) rebuild() { sess.rebuildWithin(context.Background()) }

// rebuildWithin is rebuild that stops before the next entry once ctx
// ends (an instructor's replay is bounded in time; a learner's is not),
// and says so.
func (sess *session) rebuildWithin(parent context.Context) error {
	sess.events = nil
	sess.transcript.Reset()
	eng := engine.New(engine.Config{
		Seed:    sess.seed,
		Library: sess.srv.Library,
		Context: mapFS(pageturnFiles()),
		Emit: func(ev sim.Event) {
			if !sess.replaying {
				sess.events = append(sess.events, ev)
			}
		},
	})
	sess.console = docker.NewConsole(eng, sim.Limits{})
	sess.replaying = true
	if err := sess.mode.setup(sess.console); err != nil {
		sess.srv.log.Error("setting up a session", "err", err)
	}
	sess.files = readFiles(eng.Context())
	replayed := sess.srv.metrics.replay()
	defer replayed()
	defer func() { sess.replaying = false }()
	for _, e := range sess.log {
		if err := parent.Err(); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(parent, sess.srv.commandTime())
		sess.apply(ctx, e)
		cancel()
	}
	return nil
}

func pageturnFiles() map[string][]byte {
	m := make(map[string][]byte, len(pageturnContext))
	for k, v := range pageturnContext {
		m[k] = []byte(v)
	}
	return m
}

func mapFS(files map[string][]byte) fs.FS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: data, Mode: 0o644}
	}
	return m
}

// readFiles reads a build context into a map, for the editor.
func readFiles(fsys fs.FS) map[string][]byte {
	out := map[string][]byte{}
	if fsys == nil {
		return out
	}
	fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || len(out) >= maxContextFiles {
			return nil
		}
		if data, err := fs.ReadFile(fsys, p); err == nil && len(data) <= maxFileBytes {
			out[p] = data
		}
		return nil
	})
	return out
}

// apply performs one log entry on the simulator and returns what the
// console printed for it.
func (sess *session) apply(ctx context.Context, e LogEntry) string {
	switch e.Kind {
	case "cmd":
		res := sess.console.Run(ctx, e.Line)
		sess.record(e.Line, res.Output)
		return res.Output
	case "file":
		sess.files[e.Path] = e.Data
		sess.console.Engine().SetContext(mapFS(sess.files))
	case "rmfile":
		delete(sess.files, e.Path)
		sess.console.Engine().SetContext(mapFS(sess.files))
	}
	return ""
}

// record keeps the tail of the console's scrollback for a reconnect.
func (sess *session) record(line, out string) {
	sess.transcript.WriteString("$ " + line + "\n" + out)
	if sess.transcript.Len() > 2*maxTranscript {
		tail := sess.transcript.String()[sess.transcript.Len()-maxTranscript:]
		sess.transcript.Reset()
		sess.transcript.WriteString(tail)
	}
}

// Transcript is the recent scrollback.
func (sess *session) scrollback() string {
	s := sess.transcript.String()
	if len(s) > maxTranscript {
		s = s[len(s)-maxTranscript:]
	}
	return s
}

// do performs a new action: applied, appended to the log and stored.
func (sess *session) do(ctx context.Context, e LogEntry) (runResult, error) {
	if len(sess.log) >= maxLogEntries {
		return runResult{}, sim.LimitError("this session's history is full: reset it to go on", maxLogEntries)
	}
	if sess.logBytes+e.size() > maxLogBytes {
		return runResult{}, sim.LimitError("this session's history is too large: reset it to go on", "4 MB")
	}
	sess.events = sess.events[:0]
	out := sess.apply(ctx, e)
	sess.log = append(sess.log, e)
	sess.logBytes += e.size()
	redo := sess.redo
	sess.redo = nil
	if sess.learner != "" {
		// Stored with a context of its own: a command that used all of
		// its time is still answered, so it must still be stored, or a
		// replay would not reproduce what the learner saw.
		// The wait for the commit leaves the command's place in the work
		// pool to others (runAside).
		var err error
		runAside(ctx, func() {
			sctx, cancel := context.WithTimeout(context.Background(), storeTime)
			err = sess.srv.Store.AppendLog(sctx, sess.learner, sess.key, len(sess.log)-1, e)
			cancel()
		})
		if err != nil {
			// What is live must be what is stored: take the entry back.
			sess.log = sess.log[:len(sess.log)-1]
			sess.logBytes -= e.size()
			sess.rebuild()
			sess.redo = redo
			return runResult{}, fmt.Errorf("%w (nothing was changed)", storageError(err))
		}
	}
	return sess.result(out), nil
}

// storeTime is how long one write to storage may take.
const storeTime = 5 * time.Second

func (sess *session) result(out string) runResult {
	res := runResult{output: out}
	for _, ev := range sess.events {
		if text := narrate(sess.lang, ev); text != "" {
			res.narration = append(res.narration, narrationLine{kind: ev.Type, text: text, target: eventTarget(ev)})
		}
	}
	return res
}

// run runs a console line (tests and the home page use it directly).
func (sess *session) run(ctx context.Context, line string) runResult {
	res, err := sess.do(ctx, LogEntry{Kind: "cmd", Line: line})
	if err != nil {
		return runResult{output: err.Error() + "\n"}
	}
	return res
}

// undo drops the last action: the state is the replay of the log without it.
func (sess *session) undo(ctx context.Context) (string, error) {
	if len(sess.log) == 0 {
		return "", fmt.Errorf("nothing to undo")
	}
	last := sess.log[len(sess.log)-1]
	sess.log = sess.log[:len(sess.log)-1]
	sess.logBytes -= last.size()
	redo := append(sess.redo, last)
	// Undo runs as the session's command, in the work pool, and is charged
	// to it like any other (web/workpool.go).
	sess.rebuild()
	sess.redo = redo
	if sess.learner != "" {
		if err := sess.srv.Store.TruncateLog(ctx, sess.learner, sess.key, len(sess.log)); err != nil {
			return "", err
		}
	}
	return describe(last), nil
}

// redo performs the last undone action again.
func (sess *session) redoLast(ctx context.Context) (runResult, string, error) {
	if len(sess.redo) == 0 {
		return runResult{}, "", fmt.Errorf("nothing to redo")
	}
	e := sess.redo[len(sess.redo)-1]
	rest := sess.redo[:len(sess.redo)-1]
	res, err := sess.do(ctx, e)
	sess.redo = rest
	return res, describe(e), err
}

// reset starts the session over from its mode's starting state.
func (sess *session) reset(ctx context.Context) error {
	sess.log, sess.redo, sess.logBytes = nil, nil, 0
	sess.rebuild()
	if sess.learner != "" {
		return sess.srv.Store.SaveSession(ctx, sess.learner, sess.key, sess.seed, nil)
	}
	return nil
}

func describe(e LogEntry) string {
	switch e.Kind {
	case "cmd":
		return e.Line
	case "file":
		return "edit of " + e.Path
	case "rmfile":
		return "deletion of " + e.Path
	}
	return e.Kind
}

// cleanContextPath checks a build-context file name from the editor.
func cleanContextPath(p string) (string, error) {
	p = strings.TrimSpace(p)
	c := path.Clean("/" + p)[1:]
	if c == "" || c != p || strings.HasPrefix(p, "../") || len(p) > 200 || strings.ContainsAny(p, "\\\x00") {
		return "", fmt.Errorf("%q is not a file name the build context can hold", p)
	}
	return c, nil
}

// fileList is the editor's view of the build context, sorted.
func (sess *session) fileList() []fileView {
	out := make([]fileView, 0, len(sess.files))
	for name, data := range sess.files {
		out = append(out, fileView{Path: name, Content: string(data)})
	}
	sort.Slice(out, func(i, j int) bool {
		// The Dockerfile first, then the rest by name.
		if (out[i].Path == "Dockerfile") != (out[j].Path == "Dockerfile") {
			return out[i].Path == "Dockerfile"
		}
		return out[i].Path < out[j].Path
	})
	return out
}

type fileView struct {
	Path    string `json:"path"`
	Content string `json:"content"`
}

// eventTarget names what an event's animation applies to: a container's
// name or a layer's digest.
func eventTarget(ev sim.Event) string {
	switch p := ev.Payload.(type) {
	case sim.StepCached:
		return p.DiffID
	case sim.LayerCreated:
		return p.DiffID
	case sim.FileCopiedUp:
		return p.Container
	case sim.Whiteout:
		return p.Container
	case sim.FileWritten:
		return p.Container
	case sim.ContainerState:
		return p.Name
	case sim.ContainerRemoved:
		return p.Name
	case sim.Committed:
		return p.Container
	case sim.BlobMoved:
		return p.Digest
	}
	return ""
}

// liveSessions maps each open session (learner and mode) to its one
// websocket.
type liveSessions struct {
	mu      sync.Mutex
	clients map[string]*wsClient
}

// size is what an entry costs in the stored log.
func (e LogEntry) size() int { return len(e.Kind) + len(e.Line) + len(e.Path) + len(e.Data) }
