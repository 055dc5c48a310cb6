package web

import (
	"context"

	"github.com/labstack/echo/v4"
	"strings"
	"testing/fstest"

	"layerlab/sim"
	"layerlab/sim/docker"
	"layerlab/sim/engine"
	"layerlab/web/ui"
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

// session is one learner's simulator and what its last command reported.
type session struct {
	console *docker.Console
	events  []sim.Event
	mode    sessionMode
}

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

// playground is the free sandbox: the Pageturn context, python:3.12 present.
type playground struct{}

func (playground) setup(c *docker.Console) error { return c.Engine().Preload("python:3.12") }
func (playground) report(*session) any           { return nil }

// modeFor reads which mode a websocket asks for: ?lesson=ID opens a lesson.
func (s *Server) modeFor(c echo.Context) (sessionMode, error) {
	if id := c.QueryParam("lesson"); id != "" {
		return s.lessonMode(c, id)
	}
	return playground{}, nil
}

type runResult struct {
	output    string
	narration []narrationLine
}

type narrationLine struct{ kind, text string }

// newSession starts a session in mode over the Pageturn build context.
func (s *Server) newSession(mode sessionMode) *session {
	files := fstest.MapFS{}
	for name, body := range pageturnContext {
		files[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	sess := &session{mode: mode}
	eng := engine.New(engine.Config{
		Seed:    1,
		Library: s.Library,
		Context: files,
		Emit:    func(ev sim.Event) { sess.events = append(sess.events, ev) },
	})
	sess.console = docker.NewConsole(eng, sim.Limits{})
	if err := mode.setup(sess.console); err != nil {
		s.log.Error("setting up a session", "err", err)
	}
	sess.events = nil
	return sess
}

func (sess *session) run(ctx context.Context, line string) runResult {
	sess.events = sess.events[:0]
	res := sess.console.Run(ctx, line)
	out := runResult{output: res.Output}
	for _, ev := range sess.events {
		if text := sim.Narrate(ev); text != "" {
			out.narration = append(out.narration, narrationLine{kind: ev.Type, text: text})
		}
	}
	return out
}

// vizView turns the engine's state into what the visualizer draws.
func vizView(e *engine.Engine) ui.VizView {
	images := e.Images()
	shared := map[string]int{}
	for _, img := range images {
		for _, l := range img.Layers {
			shared[l.DiffID.String()]++
		}
	}
	v := ui.VizView{Host: e.Host().Name, Note: "Base images are teaching copies: real layer counts, configs and sizes, with file contents abbreviated."}
	for _, img := range images {
		iv := ui.ImageView{ID: shortID(img.ID.Encoded()), Tags: img.Tags, Size: sim.HumanSize(img.Size), Base: img.Base}
		for i := len(img.Layers) - 1; i >= 0; i-- {
			l := img.Layers[i]
			iv.Layers = append(iv.Layers, ui.LayerView{
				Digest:    l.DiffID.String(),
				Short:     shortID(l.DiffID.Encoded()),
				CreatedBy: strings.TrimSpace(strings.TrimSuffix(l.CreatedBy, " # buildkit")),
				Size:      sim.HumanSize(l.Size),
				SharedBy:  shared[l.DiffID.String()],
			})
		}
		v.Images = append(v.Images, iv)
	}
	for _, c := range e.Containers() {
		v.Containers = append(v.Containers, ui.ContainerView{
			ID: c.ShortID(), Name: c.Name, Image: c.ImageRef, ImageID: shortID(c.Image.ID().Encoded()),
			State: c.State, Size: sim.HumanSize(c.Upper.Size()),
		})
	}
	return v
}

func shortID(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
