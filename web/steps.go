package web

import (
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/dockerfile"
)

// stepView is one instruction of the last build, for the step-through
// control: which line it is, and whether it made a layer, came from the
// cache, or only changed the image's settings.
type stepView struct {
	Line   int    `json:"line"`
	End    int    `json:"end"`
	Text   string `json:"text"`
	Kind   string `json:"kind"` // layer, cached, empty, metadata, base, failed
	Digest string `json:"digest,omitempty"`
}

// buildSteps pairs the Dockerfile's instructions with what the build
// reported for them. It returns nil when events hold no build.
func buildSteps(events []sim.Event, src []byte) []stepView {
	built, failedLine := false, 0
	byLine := map[int]stepView{}
	for _, ev := range events {
		switch p := ev.Payload.(type) {
		case sim.StepStarted:
			kind := "empty"
			if strings.HasPrefix(p.Text, "FROM ") {
				kind = "base"
			}
			byLine[p.Line] = stepView{Line: p.Line, Kind: kind}
		case sim.StepCached:
			byLine[p.Line] = stepView{Line: p.Line, Kind: "cached", Digest: p.DiffID}
		case sim.LayerCreated:
			byLine[p.Line] = stepView{Line: p.Line, Kind: "layer", Digest: p.DiffID}
		case sim.ImageBuilt:
			built = true
		case sim.BuildFailed:
			built, failedLine = true, p.Line
		}
	}
	if !built {
		return nil
	}
	df, err := dockerfile.Parse(src)
	if err != nil {
		if failedLine > 0 {
			return []stepView{{Line: failedLine, End: failedLine, Text: "the Dockerfile could not be parsed", Kind: "failed"}}
		}
		return nil
	}
	var out []stepView
	for _, st := range df.Stages {
		from := byLine[st.Line]
		from.Line, from.End, from.Text = st.Line, st.Line, strings.TrimSpace(st.Text)
		if from.Kind == "" {
			from.Kind = "base"
		}
		out = append(out, from)
		for _, c := range st.Commands {
			s, ok := byLine[c.StartLine]
			if !ok {
				s.Kind = "metadata"
			}
			if c.StartLine == failedLine {
				s.Kind = "failed"
			}
			s.Line, s.End, s.Text = c.StartLine, c.EndLine, c.Code
			out = append(out, s)
			if c.StartLine == failedLine {
				return out
			}
		}
	}
	return out
}
