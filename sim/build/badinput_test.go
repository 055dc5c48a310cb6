package build_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/build"
)

// Bad input ends in a clear error that names its line, never in a panic or a
// hang, and the display still ends with BuildKit's error block.
func TestBadInput(t *testing.T) {
	lib := testLibrary(t)
	huge := "FROM alpine:3.20\n" + strings.Repeat("RUN echo "+strings.Repeat("x", 1000)+"\n", 10*1024)
	few := sim.DefaultLimits()
	few.Layers = 3
	for _, c := range []struct {
		name   string
		src    string
		ctx    fstest.MapFS
		limits sim.Limits
		want   string // in the error
		line   int
	}{
		// parsing
		{"empty", "", nil, sim.Limits{}, "the Dockerfile cannot be empty", 0},
		{"comments only", "# nothing\n\n", nil, sim.Limits{}, "file with no instructions", 2},
		{"no FROM", "RUN echo hi\n", nil, sim.Limits{}, "no build stage in current context", 1},
		{"unknown instruction", "FROM alpine:3.20\nFRM alpine\n", nil, sim.Limits{}, "unknown instruction: FRM (did you mean FROM?)", 2},
		{"unterminated heredoc", "FROM alpine:3.20\nRUN <<EOT\necho hi\n", nil, sim.Limits{}, "unterminated heredoc", 2},
		{"10 MB", huge, nil, sim.Limits{}, "more than the limit", 0},

		// sources
		{"COPY missing", "FROM alpine:3.20\nCOPY nothere.txt /x\n", nil, sim.Limits{}, `failed to compute cache key: failed to calculate checksum of ref`, 2},
		{"COPY missing says the path", "FROM alpine:3.20\nCOPY nothere.txt /x\n", nil, sim.Limits{}, `"/nothere.txt": not found`, 2},
		// BuildKit resolves sources inside the context root: "../secret"
		// is "/secret" of the context, never a file beside it.
		{"COPY outside", "FROM alpine:3.20\nCOPY ../secret /x\n", nil, sim.Limits{}, `"/secret": not found`, 2},
		{"FROM unknown", "FROM nosuchimage:1.0\nRUN true\n", nil, sim.Limits{}, "pull access denied", 1},
		{"COPY --from unknown", "FROM alpine:3.20\nCOPY --from=nosuch:1 /a /b\n", nil, sim.Limits{}, "pull access denied", 2},

		// runaway RUN steps
		{"endless loop", "FROM alpine:3.20\nRUN while true; do :; done\n", nil, sim.Limits{}, "did not complete successfully", 2},
		{"fork bomb", "FROM alpine:3.20\nRUN :(){ :|:& };:\n", nil, sim.Limits{}, "did not complete successfully", 2},
		{"output flood", "FROM alpine:3.20\nRUN yes\n", nil, sim.Limits{}, "did not complete successfully", 2},

		// limits
		{"too many layers", "FROM alpine:3.20\nRUN touch /a\nRUN touch /b\nRUN touch /c\n", nil, few, "max depth exceeded", 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHost(lib)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			res, err := h.build(ctx, build.Options{Source: []byte(c.src), Context: c.ctx, Limits: c.limits})
			var be *build.Error
			if !errors.As(err, &be) {
				t.Fatalf("err = %v, want a *build.Error", err)
			}
			if !strings.Contains(be.Msg, c.want) {
				t.Errorf("error %q does not say %q", be.Msg, c.want)
			}
			if be.Line != c.line {
				t.Errorf("error on line %d, want %d", be.Line, c.line)
			}
			if res == nil || res.Image != nil {
				t.Fatalf("result %+v: want a display and no image", res)
			}
			if !strings.Contains(res.Output, "ERROR: failed to build: failed to solve: ") {
				t.Errorf("display has no error line:\n%s", res.Output)
			}
			if c.line > 0 && !strings.Contains(res.Output, ">>>") {
				t.Errorf("display has no Dockerfile excerpt:\n%s", res.Output)
			}
			if strings.Contains(res.Output, "log limit") && !strings.Contains(res.Output, "[output clipped, log limit 256KiB reached]") {
				t.Errorf("clipped log without BuildKit's notice")
			}
			if len(res.Output) > 2<<20 {
				t.Errorf("display is %d bytes", len(res.Output))
			}
			if len(h.events) == 0 || h.events[len(h.events)-1].Type != sim.EvBuildFailed {
				t.Errorf("last event is not %s", sim.EvBuildFailed)
			}
		})
	}
}
