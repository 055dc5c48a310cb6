package web

import (
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/web/locale"
)

// narrate says what an event means in language tag: sim.Narrate's English
// sentence, or its translation (web/locale, ids "narrate.*"). Names,
// paths, ids, sizes and the instructions of a Dockerfile are what Docker
// prints and stay as they are; an event without a translation is told in
// English.
func narrate(tag string, ev sim.Event) string {
	if tag == locale.Default || tag == "" {
		return sim.Narrate(ev)
	}
	tr := func(id string, data map[string]any) string { return locale.Tr(tag, "narrate."+id, data) }
	switch p := ev.Payload.(type) {
	case sim.StepStarted:
		return tr("step", map[string]any{"Index": p.Index, "Total": p.Total, "Text": p.Text})
	case sim.StepCached:
		return tr("cached", map[string]any{"Index": p.Index, "Text": p.Text})
	case sim.LayerCreated:
		return tr("layer", map[string]any{"Text": p.Text, "Size": sim.HumanSize(p.Size), "Added": len(p.Added), "Changed": len(p.Changed), "Deleted": len(p.Deleted)})
	case sim.BuildFailed:
		return tr("failed", map[string]any{"Line": p.Line, "Message": p.Message})
	case sim.ImageBuilt:
		tags := ""
		if len(p.Tags) > 0 {
			tags = " (" + strings.Join(p.Tags, ", ") + ")"
		}
		return tr("built", map[string]any{"ID": shortHash(p.ID), "Tags": tags, "Layers": p.Layers, "Size": sim.HumanSize(p.Size)})
	case sim.ImageTagged:
		if p.Previous != "" && p.Previous != p.ID {
			return tr("tag.moved", map[string]any{"Tag": p.Tag, "From": shortHash(p.Previous), "To": shortHash(p.ID)})
		}
		return tr("tagged", map[string]any{"ID": shortHash(p.ID), "Tag": p.Tag})
	case sim.ImageRemoved:
		if p.Deleted {
			return tr("image.deleted", map[string]any{"ID": shortHash(p.ID)})
		}
		return tr("untagged", map[string]any{"Tag": p.Tag, "ID": shortHash(p.ID)})
	case sim.ImagePulled:
		return tr("pulled", map[string]any{"Ref": p.Ref, "ID": shortHash(p.ID)})
	case sim.ContainerCreated:
		return tr("created", map[string]any{"Name": p.Name, "Image": p.Image})
	case sim.ContainerState:
		// The engine's reason is English prose; a translation says the
		// state (with Docker's word for it) and, on exit, the code.
		state := locale.Tr(tag, "narrate.st."+p.To)
		if strings.HasPrefix(state, "narrate.st.") {
			state = p.To
		}
		if p.To == "exited" {
			return tr("state.exited", map[string]any{"Name": p.Name, "State": state, "Code": p.ExitCode})
		}
		return tr("state", map[string]any{"Name": p.Name, "State": state})
	case sim.ContainerRemoved:
		return tr("removed", map[string]any{"Name": p.Name, "Size": sim.HumanSize(p.Size)})
	case sim.ContainerRenamed:
		return tr("renamed", map[string]any{"From": p.From, "To": p.To})
	case sim.FileCopiedUp:
		return tr("copiedup", map[string]any{"Path": p.Path, "Layer": p.FromLayer + 1, "Container": p.Container})
	case sim.FileWritten:
		if p.Volume != "" {
			return tr("written.volume", map[string]any{"Path": p.Path, "Volume": p.Volume})
		}
		return tr("written", map[string]any{"Path": p.Path, "Container": p.Container})
	case sim.Whiteout:
		return tr("whiteout", map[string]any{"Path": p.Path, "Container": p.Container})
	case sim.Committed:
		return tr("committed", map[string]any{"Container": p.Container, "Size": sim.HumanSize(p.Size), "ID": shortHash(p.ImageID)})
	case sim.VolumeCreated:
		return tr("volume.created", map[string]any{"Name": p.Name})
	case sim.VolumeMounted:
		return tr("volume.mounted", map[string]any{"Name": p.Name, "Path": p.Path, "Container": p.Container})
	case sim.VolumeRemoved:
		return tr("volume.removed", map[string]any{"Name": p.Name})
	case sim.BlobMoved:
		dir := "pushed"
		if ev.Type == sim.EvBlobPulled {
			dir = "pulled"
		}
		if p.Skipped {
			return tr("blob."+dir+".skipped", map[string]any{"Digest": shortHash(p.Digest)})
		}
		return tr("blob."+dir, map[string]any{"Digest": shortHash(p.Digest), "Size": sim.HumanSize(p.Size)})
	case sim.ContextSwitched:
		return tr("context", map[string]any{"To": p.To})
	}
	return sim.Narrate(ev)
}

// shortHash is an id or digest as the narration writes it: 12 hex digits.
func shortHash(id string) string { return shortID(strings.TrimPrefix(id, "sha256:")) }
