package web

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/gorilla/websocket"
	"github.com/labstack/echo/v4"

	"layerlab/web/ui"
)

// Websocket limits, in the shape of gorilla's chat example.
const (
	writeWait     = 10 * time.Second
	pongWait      = 60 * time.Second
	pingPeriod    = pongWait * 9 / 10
	maxFrameBytes = 8 << 10 // one console line is far smaller
	maxLineBytes  = 4 << 10
	sendQueue     = 16                     // a client that falls this far behind is dropped
	commandBurst  = 10                     // commands a client may send at once …
	commandRefill = 200 * time.Millisecond // … and then one per this long
)

// upgrader keeps gorilla's default CheckOrigin: only same-origin pages may
// open a console.
var upgrader = websocket.Upgrader{ReadBufferSize: 4096, WriteBufferSize: 4096}

// clientMsg is what the browser sends.
type clientMsg struct {
	Type string `json:"type"` // "cmd"
	Line string `json:"line"`
}

// serverMsg is what the server sends back after each command.
type serverMsg struct {
	Type      string      `json:"type"` // "result" or "error"
	Line      string      `json:"line,omitempty"`
	Output    string      `json:"output,omitempty"`
	Viz       string      `json:"viz,omitempty"` // the visualizer, rendered by templ
	Narration []narration `json:"narration,omitempty"`
	Mode      any         `json:"mode,omitempty"` // the session mode's report (lesson progress)
	Error     string      `json:"error,omitempty"`
}

type narration struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

type wsClient struct {
	s    *Server
	conn *websocket.Conn
	send chan []byte
	sess *session
}

func (s *Server) websocket(c echo.Context) error {
	mode, err := s.modeFor(c)
	if err != nil {
		return err
	}
	conn, err := upgrader.Upgrade(c.Response(), c.Request(), nil)
	if err != nil {
		// The upgrader has already answered (403 for a foreign origin).
		s.log.Info("websocket refused", "err", err, "origin", c.Request().Header.Get("Origin"))
		return nil
	}
	cl := &wsClient{s: s, conn: conn, send: make(chan []byte, sendQueue), sess: s.newSession(mode)}
	go cl.writePump()
	cl.readPump() // runs on the request goroutine; echo.Context is not used past here
	return nil
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
	tokens, last := float64(commandBurst), time.Now()
	for {
		kind, data, err := cl.conn.ReadMessage()
		if err != nil {
			return
		}
		if kind != websocket.TextMessage {
			if !cl.queue(serverMsg{Type: "error", Error: "only text frames are accepted"}) {
				return
			}
			continue
		}
		now := time.Now()
		tokens += float64(now.Sub(last)) / float64(commandRefill)
		if tokens > commandBurst {
			tokens = commandBurst
		}
		last = now
		if tokens < 1 {
			if !cl.queue(serverMsg{Type: "error", Error: "too many commands at once: wait a moment and try again"}) {
				return
			}
			continue
		}
		tokens--
		var msg clientMsg
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&msg); err != nil || msg.Type != "cmd" {
			if !cl.queue(serverMsg{Type: "error", Error: "malformed message: expected {\"type\":\"cmd\",\"line\":\"…\"}"}) {
				return
			}
			continue
		}
		if len(msg.Line) > maxLineBytes {
			if !cl.queue(serverMsg{Type: "error", Error: "command too long (limit 4 KB)"}) {
				return
			}
			continue
		}
		if !cl.queue(cl.run(msg.Line)) {
			return
		}
	}
}

func (cl *wsClient) run(line string) serverMsg {
	res := cl.sess.run(context.Background(), line)
	var viz bytes.Buffer
	if err := ui.Viz(vizView(cl.sess.console.Engine())).Render(context.Background(), &viz); err != nil {
		cl.s.log.Error("rendering visualizer", "err", err)
	}
	msg := serverMsg{Type: "result", Line: line, Output: res.output, Viz: viz.String(), Mode: cl.sess.mode.report(cl.sess)}
	for _, n := range res.narration {
		msg.Narration = append(msg.Narration, narration{Kind: n.kind, Text: n.text})
	}
	return msg
}

// queue hands a message to the write pump; a client whose queue is full is
// too slow and gets dropped.
func (cl *wsClient) queue(m serverMsg) bool {
	b, err := json.Marshal(m)
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
