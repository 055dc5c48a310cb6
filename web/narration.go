package web

import (
	"fmt"
	"strings"

	"github.com/layerlab/layerlab/sim"
)

// summarize says in one short sentence what a command did to the picture,
// from the events it raised: the line a learner reads under the console and
// a screen reader hears. The per-event sentences still drive the
// animations; this picks what matters most and counts the rest.
func summarize(events []sim.Event) string {
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
				firstOther = sim.Narrate(ev)
			}
		}
	}
	switch {
	case failed != nil:
		return fmt.Sprintf("The build stopped at line %d; no image was made.", failed.Line)
	case built != nil:
		name := shortID(strings.TrimPrefix(built.ID, "sha256:"))
		if len(built.Tags) > 0 {
			name = built.Tags[0]
		}
		switch {
		case newLayers == 0:
			return fmt.Sprintf("Built %s entirely from the cache: nothing changed, so no new layer.", name)
		case cached > 0:
			return fmt.Sprintf("Built %s: %s, %d reused from the cache, all read-only.", name, plural(newLayers, "new layer", "new layers"), cached)
		}
		return fmt.Sprintf("Built %s: %s on its base, frozen and read-only.", name, plural(newLayers, "new layer", "new layers"))
	case committed != nil:
		return fmt.Sprintf("%s's writable layer (%s) was frozen into a new read-only layer of image %s; %s itself is unchanged.",
			committed.Container, sim.HumanSize(committed.Size), shortID(strings.TrimPrefix(committed.ImageID, "sha256:")), committed.Container)
	case pushed+pulled+skipped > 0:
		if pushedRef != "" {
			return fmt.Sprintf("Pushed %s: %s sent to the registry, %d already there.", pushedRef, plural(pushed, "layer", "layers"), skipped)
		}
		return fmt.Sprintf("Pulled %s: %s downloaded, %d already on this host.", pulledRef, plural(pulled, "layer", "layers"), skipped)
	case len(removed) == 1:
		return fmt.Sprintf("Container %s was removed, and its writable layer (%s) went with it.", removed[0].Name, sim.HumanSize(removed[0].Size))
	case len(removed) > 1:
		return fmt.Sprintf("%d containers were removed, and their writable layers went with them.", len(removed))
	case len(created) == 1 && len(started) > 0:
		return fmt.Sprintf("Container %s started from image %s, with a new, empty writable layer of its own.", created[0].Name, created[0].Image)
	case len(created) == 1:
		return fmt.Sprintf("Container %s was created from image %s, with an empty writable layer; it is not running yet.", created[0].Name, created[0].Image)
	case len(copied) > 0:
		c := copied[0]
		if len(copied) == 1 {
			return fmt.Sprintf("%s was copied up from the image into %s's writable layer before it changed; the image is untouched.", c.Path, c.Container)
		}
		return fmt.Sprintf("%d files were copied up from the image into %s's writable layer; the image is untouched.", len(copied), c.Container)
	case len(whiteouts) > 0:
		w := whiteouts[0]
		return fmt.Sprintf("Deleting %s in %s recorded a whiteout; the image still holds the file.", w.Path, w.Container)
	case len(written) > 0:
		w := written[0]
		if w.Volume != "" {
			return fmt.Sprintf("%s was written to volume %s, outside %s's writable layer.", w.Path, w.Volume, w.Container)
		}
		return fmt.Sprintf("%s was written to %s's writable layer.", w.Path, w.Container)
	case len(states) > 0:
		s := states[len(states)-1]
		return fmt.Sprintf("Container %s is now %s.", s.Name, s.To)
	}
	return firstOther
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
