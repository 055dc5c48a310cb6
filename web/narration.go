package web

import (
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/web/locale"
)

// summarize says in one short sentence what a command did to the picture,
// from the events it raised: the line a learner reads under the console and
// a screen reader hears. The per-event sentences still drive the
// animations; this picks what matters most and counts the rest.
func summarize(tag string, events []sim.Event) string {
	var (
		built      *sim.ImageBuilt
		failed     *sim.BuildFailed
		newLayers  int
		cached     int
		created    []sim.ContainerCreated
		started    []string
		states     []sim.ContainerState
		removed    []sim.ContainerRemoved
		committed  *sim.Committed
		copied     []sim.FileCopiedUp
		whiteouts  []sim.Whiteout
		written    []sim.FileWritten
		pushed     int
		pulled     int
		skipped    int
		pushedRef  string
		pulledRef  string
		firstOther string
	)
	for _, ev := range events {
		switch p := ev.Payload.(type) {
		case sim.ImageBuilt:
			built = &p
		case sim.BuildFailed:
			failed = &p
		case sim.LayerCreated:
			newLayers++
		case sim.StepCached:
			if p.DiffID != "" {
				cached++
			}
		case sim.ContainerCreated:
			created = append(created, p)
		case sim.ContainerState:
			if p.To == "running" && p.From != "paused" {
				started = append(started, p.Name)
			}
			states = append(states, p)
		case sim.ContainerRemoved:
			removed = append(removed, p)
		case sim.Committed:
			committed = &p
		case sim.FileCopiedUp:
			copied = append(copied, p)
		case sim.Whiteout:
			whiteouts = append(whiteouts, p)
		case sim.FileWritten:
			written = append(written, p)
		case sim.BlobMoved:
			switch {
			case p.Skipped:
				skipped++
			case ev.Type == sim.EvBlobPushed:
				pushed++
			default:
				pulled++
			}
			if ev.Type == sim.EvBlobPushed {
				pushedRef = p.Ref
			} else {
				pulledRef = p.Ref
			}
		case sim.StepStarted, sim.VolumeMounted:
			// counted through what they led to
		default:
			if firstOther == "" {
				firstOther = narrate(tag, ev)
			}
		}
	}
	say := func(id string, data map[string]any) string { return locale.Tr(tag, "summary."+id, data) }
	switch {
	case failed != nil:
		return say("failed", map[string]any{"Line": failed.Line})
	case built != nil:
		name := shortID(strings.TrimPrefix(built.ID, "sha256:"))
		if len(built.Tags) > 0 {
			name = built.Tags[0]
		}
		switch {
		case newLayers == 0:
			return say("built.cached", map[string]any{"Name": name})
		case cached > 0:
			return say("built.some", map[string]any{"Name": name, "N": newLayers, "Cached": cached})
		}
		return say("built", map[string]any{"Name": name, "N": newLayers})
	case committed != nil:
		return say("committed", map[string]any{"Container": committed.Container, "Size": sim.HumanSize(committed.Size), "ID": shortID(strings.TrimPrefix(committed.ImageID, "sha256:"))})
	case pushed+pulled+skipped > 0:
		if pushedRef != "" {
			return say("pushed", map[string]any{"Ref": pushedRef, "N": pushed, "Skipped": skipped})
		}
		return say("pulled", map[string]any{"Ref": pulledRef, "N": pulled, "Skipped": skipped})
	case len(removed) == 1:
		return say("removed", map[string]any{"Name": removed[0].Name, "Size": sim.HumanSize(removed[0].Size)})
	case len(removed) > 1:
		return say("removed.many", map[string]any{"N": len(removed)})
	case len(created) == 1 && len(started) > 0:
		return say("started", map[string]any{"Name": created[0].Name, "Image": created[0].Image})
	case len(created) == 1:
		return say("created", map[string]any{"Name": created[0].Name, "Image": created[0].Image})
	case len(copied) > 0:
		c := copied[0]
		if len(copied) == 1 {
			return say("copiedup", map[string]any{"Path": c.Path, "Container": c.Container})
		}
		return say("copiedup.many", map[string]any{"N": len(copied), "Container": c.Container})
	case len(whiteouts) > 0:
		w := whiteouts[0]
		return say("whiteout", map[string]any{"Path": w.Path, "Container": w.Container})
	case len(written) > 0:
		w := written[0]
		if w.Volume != "" {
			return say("written.volume", map[string]any{"Path": w.Path, "Volume": w.Volume, "Container": w.Container})
		}
		return say("written", map[string]any{"Path": w.Path, "Container": w.Container})
	case len(states) > 0:
		st := states[len(states)-1]
		state := st.To
		if tag != locale.Default {
			if t := locale.Tr(tag, "narrate.st."+st.To); !strings.HasPrefix(t, "narrate.st.") {
				state = t
			}
		}
		return say("state", map[string]any{"Name": st.Name, "State": state})
	}
	return firstOther
}
