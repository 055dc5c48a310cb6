package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/web/locale"
	"github.com/layerlab/layerlab/web/ui"
)

// Websocket limits, in the shape of gorilla's chat example.
const (
	writeWait     = 10 * time.Second
	pongWait      = 60 * time.Second
	pingPeriod    = pongWait * 9 / 10
	maxFrameBytes = 96 << 10 // a build-context file edit is the largest message
	maxLineBytes  = 4 << 10
	sendQueue     = 16                     // a client that falls this far behind is dropped
	commandBurst  = 10                     // messages a client may send at once …
	commandRefill = 200 * time.Millisecond // … and then one per this long
)

// upgrader keeps gorilla's default CheckOrigin: only same-origin pages may
// open a console. A connection reads through the HTTP server's own 4 KB
// buffer (ReadBufferSize 0) and borrows a write buffer only while it
// writes: with thousands of learners, buffers of their own were a tenth of
// the server's heap.
var upgrader = websocket.Upgrader{WriteBufferSize: 4096, WriteBufferPool: &sync.Pool{}}

// clientMsg is what the browser sends.
type clientMsg struct {
	Type    string `json:"type"` // cmd, file, rmfile, undo, redo, reset, share, tree, layer, visit, predict
	Line    string `json:"line,omitempty"`
	Path    string `json:"path,omitempty"`
	Content string `json:"content,omitempty"`
	Target  string `json:"target,omitempty"`
}

// serverMsg is what the server sends back.
type serverMsg struct {
	Type       string      `json:"type"` // hello, result, error, tree, share
	Line       string      `json:"line,omitempty"`
	Output     string      `json:"output,omitempty"`
	Viz        string      `json:"viz,omitempty"` // the visualizer, rendered by templ
	Narration  []narration `json:"narration,omitempty"`
	Error      string      `json:"error,omitempty"`
	Files      []fileView  `json:"files,omitempty"`
	Transcript string      `json:"transcript,omitempty"`
	CanUndo    bool        `json:"canUndo"`
	CanRedo    bool        `json:"canRedo"`
	HTML       string      `json:"html,omitempty"` // tree and layer details
	URL        string      `json:"url,omitempty"`  // share
	Prompt     string      `json:"prompt,omitempty"`
	Mode       any         `json:"mode,omitempty"`    // the session mode's report (lesson progress)
	Steps      []stepView  `json:"steps,omitempty"`   // the last build, instruction by instruction
	Echo       bool        `json:"echo,omitempty"`    // print Line as if typed (redo)
	Summary    string      `json:"summary,omitempty"` // what the command did, in one sentence
	Rewound    bool        `json:"rewound,omitempty"` // undo: Transcript replaces the console
}

type narration struct {
	Kind   string `json:"kind"`
	Text   string `json:"text"`
	Target string `json:"target,omitempty"`
}

type wsClient struct {
	s    *Server
	conn *websocket.Conn
	send chan []byte
	sess *session
	base string // scheme://host of the page, for share links
	viz  string // the visualizer as last sent: an unchanged one is not sent again
}

func (s *Server) websocket(c echo.Context) error {
	// Check the host and origin before touching storage: a refused socket
	// costs nothing.
	if !s.allowedHost(c.Request()) {
		s.log.Info("websocket refused", "host", c.Request().Host)
		return echo.NewHTTPError(http.StatusForbidden, "this server is not reached by that name")
	}
	if !sameOrigin(c.Request()) {
		s.log.Info("websocket refused", "origin", c.Request().Header.Get("Origin"))
		return echo.NewHTTPError(http.StatusForbidden, "websocket from another origin")
	}
	// The learner comes from the page's cookie; a socket without one gets a
	// new id in the upgrade response.
	header := http.Header{}
	learner, ck, _ := s.requestLearner(c)
	if ck != nil {
		header.Add("Set-Cookie", ck.String())
	}
	mode, err := s.modeFor(c, learner)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), 10*time.Second)
	sess, err := s.openSession(ctx, learner, mode)
	cancel()
	if err != nil {
		return err
	}
	sess.lang = lang(c)
	conn, err := upgrader.Upgrade(c.Response(), c.Request(), header)
	if err != nil {
		s.log.Info("websocket refused", "err", err, "origin", c.Request().Header.Get("Origin"))
		return nil
	}
	cl := &wsClient{s: s, conn: conn, send: make(chan []byte, sendQueue), sess: sess, base: c.Scheme() + "://" + c.Request().Host}
	key := learner + "|" + sess.key
	s.claim(key, cl)
	defer s.release(key, cl)
	s.metrics.sockets.Inc()
	defer s.metrics.sockets.Dec()
	go cl.writePump()
	cl.queue(cl.hello())
	cl.readPump() // runs on the request goroutine; echo.Context is not used past here
	return nil
}

// closeOpenedElsewhere is the close code a page gets when the same session
// was opened in another tab: it must not reconnect and take it back.
const closeOpenedElsewhere = 4000

// claim makes cl the one live connection of a learner's session. Two tabs
// on one session would append to one log from two engines; the older tab
// is told and closed.
func (s *Server) claim(key string, cl *wsClient) {
	s.live.mu.Lock()
	old := s.live.clients[key]
	if s.live.clients == nil {
		s.live.clients = map[string]*wsClient{}
	}
	s.live.clients[key] = cl
	s.live.mu.Unlock()
	s.announce(key)
	if old != nil {
		msg := websocket.FormatCloseMessage(closeOpenedElsewhere, "this session was opened in another tab or window")
		old.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
		old.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	}
}

// evict closes the live connection of a session, if there is one, the way
// a newer tab does.
func (s *Server) evict(key string) {
	s.live.mu.Lock()
	old := s.live.clients[key]
	delete(s.live.clients, key)
	s.live.mu.Unlock()
	s.forget(key)
	if old != nil {
		msg := websocket.FormatCloseMessage(closeOpenedElsewhere, "this session was replaced")
		old.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(writeWait))
		old.conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	}
}

// release forgets cl when it was still the live connection of its session.
func (s *Server) release(key string, cl *wsClient) {
	s.live.mu.Lock()
	gone := s.live.clients[key] == cl
	if gone {
		delete(s.live.clients, key)
	}
	s.live.mu.Unlock()
	if gone {
		s.idle.park(key, cl.sess)
		s.forget(key)
	}
}

// sameOrigin is gorilla's default origin rule, checked before the upgrade.
func sameOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	return origin == "http://"+r.Host || origin == "https://"+r.Host
}

func (cl *wsClient) readPump() {
	defer func() {
		close(cl.send)
		cl.conn.Close()
	}()
	cl.conn.SetReadLimit(maxFrameBytes)
	cl.conn.SetReadDeadline(time.Now().Add(pongWait))
	cl.conn.SetPongHandler(func(string) error {
		return cl.conn.SetReadDeadline(time.Now().Add(pongWait))
	})
	refill := cl.s.cfg.CommandRefill
	if refill <= 0 {
		refill = commandRefill
	}
	tokens, last := float64(commandBurst), time.Now()
	warned := false // a flood is told once, then its messages are dropped
	for {
		kind, data, err := cl.conn.ReadMessage()
		if err != nil {
			return
		}
		if kind != websocket.TextMessage {
			if !cl.queue(errorMsg("only text frames are accepted")) {
				return
			}
			continue
		}
		now := time.Now()
		tokens += float64(now.Sub(last)) / float64(refill)
		if tokens > commandBurst {
			tokens = commandBurst
		}
		last = now
		if tokens < 1 {
			cl.s.metrics.limitHit("websocket messages")
			if !warned && !cl.queue(errorMsg("too many commands at once: the ones after this were dropped; wait a moment and try again")) {
				return
			}
			warned = true
			continue
		}
		tokens--
		warned = false
		var msg clientMsg
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&msg); err != nil {
			if !cl.queue(errorMsg(`malformed message: expected JSON such as {"type":"cmd","line":"docker ps"}`)) {
				return
			}
			continue
		}
		// Every message is work done for one session: it runs in the
		// server's work pool, which keeps one learner from taking the
		// cores others need (web/workpool.go).
		var reply serverMsg
		start := time.Now()
		if err := cl.s.pools().work.run(cl.sess.learner+"|"+cl.sess.key, func(aside func(func())) {
			reply = cl.handle(withAside(context.Background(), aside), msg)
		}); err != nil {
			reply = errorMsg(err.Error())
		}
		cl.s.metrics.command(msg.Type, time.Since(start))
		if !cl.queue(reply) {
			return
		}
	}
}

func errorMsg(text string) serverMsg { return serverMsg{Type: "error", Error: text} }

// handle answers one message from the browser; base may carry the
// command's place in the work pool (withAside).
func (cl *wsClient) handle(base context.Context, msg clientMsg) serverMsg {
	ctx, cancel := context.WithTimeout(base, cl.s.commandTime())
	defer cancel()
	sess := cl.sess
	switch msg.Type {
	case "cmd":
		if len(msg.Line) > maxLineBytes {
			return errorMsg("command too long (limit 4 KB)")
		}
		res, err := sess.do(ctx, LogEntry{Kind: "cmd", Line: msg.Line})
		if err != nil {
			return errorMsg(err.Error())
		}
		return cl.resultMsg(msg.Line, res, false)
	case "file", "rmfile":
		p, err := cleanContextPath(msg.Path)
		if err != nil {
			return errorMsg(err.Error())
		}
		if msg.Type == "file" {
			if len(msg.Content) > maxFileBytes {
				return errorMsg("that file is too large for the build context (limit 64 KB)")
			}
			if _, exists := sess.files[p]; !exists && len(sess.files) >= maxContextFiles {
				return errorMsg("the build context is full (limit 64 files)")
			}
		} else if _, exists := sess.files[p]; !exists {
			return errorMsg("no file " + p + " in the build context")
		}
		res, err := sess.do(ctx, LogEntry{Kind: msg.Type, Path: p, Data: []byte(msg.Content)})
		if err != nil {
			return errorMsg(err.Error())
		}
		return cl.resultMsg("", res, true)
	case "undo":
		what, err := sess.undo(ctx)
		if err != nil {
			return errorMsg(err.Error())
		}
		m := cl.resultMsg("", runResult{narration: []narrationLine{{kind: "session.undo", text: locale.Tr(sess.lang, "session.undid", map[string]any{"What": what})}}}, true)
		m.Summary = locale.Tr(sess.lang, "session.undid.short", map[string]any{"What": what})
		m.Transcript, m.Rewound = sess.scrollback(), true
		return m
	case "redo":
		res, what, err := sess.redoLast(ctx)
		if err != nil {
			return errorMsg(err.Error())
		}
		res.narration = append([]narrationLine{{kind: "session.redo", text: locale.Tr(sess.lang, "session.redid", map[string]any{"What": what})}}, res.narration...)
		m := cl.resultMsg("", res, true)
		if last := sess.log[len(sess.log)-1]; last.Kind == "cmd" {
			m.Line, m.Echo = last.Line, true
		}
		return m
	case "reset":
		if err := sess.reset(ctx); err != nil {
			return errorMsg(err.Error())
		}
		m := cl.hello()
		m.Narration = []narration{{Kind: "session.reset", Text: locale.Tr(sess.lang, "session.reset")}}
		return m
	case "share":
		// The id is the state's own hash: sharing the same state twice
		// stores it once.
		id := shareID(sess.seed, sess.log)
		if err := cl.s.Store.SaveShare(ctx, id, sess.seed, sess.log); err != nil {
			return errorMsg("could not save the share link: " + err.Error())
		}
		return serverMsg{Type: "share", URL: cl.base + "/play?share=" + id}
	case "predict":
		// A lesson's predict step: Target is the step, Content the
		// prediction (web/lesson.go).
		lm, ok := sess.mode.(*lessonMode)
		if !ok {
			return errorMsg("there is nothing to predict outside a lesson")
		}
		return lm.predict(ctx, cl, msg)
	case "tree", "layer", "visit":
		html, err := cl.s.details(ctx, sess, msg.Type, msg.Target)
		if err != nil {
			return errorMsg(err.Error())
		}
		return serverMsg{Type: msg.Type, HTML: html}
	}
	return errorMsg("unknown message type " + msg.Type)
}

// hello is the first message: everything the page needs to show the session.
func (cl *wsClient) hello() serverMsg {
	cl.viz = ""
	m := cl.resultMsg("", runResult{}, true)
	m.Type = "hello"
	m.Transcript = cl.sess.scrollback()
	return m
}

func (cl *wsClient) resultMsg(line string, res runResult, withFiles bool) serverMsg {
	sess := cl.sess
	viz := vizBuffers.Get().(*bytes.Buffer)
	defer vizBuffers.Put(viz)
	viz.Reset()
	if err := ui.Viz(vizView(sess.console.Engine())).Render(locale.With(context.Background(), sess.lang, nil), viz); err != nil {
		cl.s.log.Error("rendering visualizer", "err", err)
	}
	var v string
	//lint:ignore S1030 compared without a copy, where viz.String() would copy it
	if string(viz.Bytes()) != cl.viz {
		v = viz.String()
		cl.viz = v
		if sess.learner != "" {
			cl.s.pictures.put(sess.learner+"|"+sess.lang+"|"+sess.key, v)
		}
	}
	msg := serverMsg{Type: "result", Line: line, Output: res.output, Viz: v,
		CanUndo: len(sess.log) > 0, CanRedo: len(sess.redo) > 0, Prompt: sess.console.Prompt(), Mode: sess.mode.report(sess)}
	if withFiles {
		msg.Files = sess.fileList()
	}
	for _, n := range res.narration {
		msg.Narration = append(msg.Narration, narration{Kind: n.kind, Text: n.text, Target: n.target})
	}
	msg.Steps = buildSteps(sess.events, sess.files["Dockerfile"])
	if line != "" {
		msg.Summary = summarize(sess.lang, sess.events)
	}
	return msg
}

// vizBuffers are where pictures are rendered, shared by every client: a
// picture is tens of kilobytes, and growing a new buffer for each command
// was a sixth of what the server allocated.
var vizBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// queue hands a message to the write pump; a client whose queue is full is
// too slow and gets dropped.
func (cl *wsClient) queue(m serverMsg) bool {
	b, err := encodeMsg(m)
	if err != nil {
		cl.s.log.Error("encoding websocket message", "err", err)
		return false
	}
	select {
	case cl.send <- b:
		return true
	default:
		cl.s.log.Warn("dropping slow websocket client")
		return false
	}
}

// encodeMsg is m in JSON. The picture's HTML is not escaped for a <script>
// (a websocket message is never put in one): escaping its every < and >
// made the message larger and its encoding slower.
func encodeMsg(m serverMsg) ([]byte, error) {
	buf := vizBuffers.Get().(*bytes.Buffer)
	defer vizBuffers.Put(buf)
	buf.Reset()
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return bytes.Clone(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

func (cl *wsClient) writePump() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		cl.conn.Close()
	}()
	for {
		select {
		case b, ok := <-cl.send:
			cl.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if !ok {
				cl.conn.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
				return
			}
			if err := cl.conn.WriteMessage(websocket.TextMessage, b); err != nil {
				return
			}
		case <-ticker.C:
			cl.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if err := cl.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				return
			}
		}
	}
}

// shareID names a shared state by its content: 16 hex digits of the sha256
// of its seed and log.
func shareID(seed uint64, log []LogEntry) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d\n", seed)
	json.NewEncoder(h).Encode(log)
	return hex.EncodeToString(h.Sum(nil))[:16]
}
