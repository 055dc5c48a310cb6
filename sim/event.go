package sim

import (
	"fmt"
	"strings"
)

// Event is one state change inside the engine, reported through an emit hook
// so the web app can animate it and narrate it in one sentence. Type names the
// kind (one of the Ev* constants); Payload is the one struct that goes with
// that kind.
type Event struct {
	Type    string
	Payload any
}

// Emit receives events. The engine never owns a channel: callers decide what
// to do with each event. A nil Emit drops them.
type Emit func(Event)

// Send calls e when it is not nil.
func (e Emit) Send(typ string, payload any) {
	if e != nil {
		e(Event{Type: typ, Payload: payload})
	}
}

// The kinds of event, each with its payload type.
const (
	EvStepStarted      = "build.step-started"       // StepStarted
	EvStepCached       = "build.step-cached"        // StepCached
	EvLayerCreated     = "build.layer-created"      // LayerCreated
	EvBuildFailed      = "build.failed"             // BuildFailed
	EvImageBuilt       = "image.built"              // ImageBuilt
	EvImageTagged      = "image.tagged"             // ImageTagged
	EvImageRemoved     = "image.removed"            // ImageRemoved
	EvImagePulled      = "image.pulled"             // ImagePulled
	EvContainerCreated = "container.created"        // ContainerCreated
	EvContainerState   = "container.state-changed"  // ContainerState
	EvContainerRemoved = "container.removed"        // ContainerRemoved
	EvContainerRenamed = "container.renamed"        // ContainerRenamed
	EvFileCopiedUp     = "container.file-copied-up" // FileCopiedUp
	EvFileWritten      = "container.file-written"   // FileWritten
	EvWhiteout         = "container.whiteout"       // Whiteout
	EvCommitted        = "container.committed"      // Committed
	EvVolumeCreated    = "volume.created"           // VolumeCreated
	EvVolumeMounted    = "volume.mounted"           // VolumeMounted
	EvVolumeRemoved    = "volume.removed"           // VolumeRemoved
	EvBlobPushed       = "registry.blob-pushed"     // BlobMoved
	EvBlobPulled       = "registry.blob-pulled"     // BlobMoved
	EvContextSwitched  = "host.switched"            // ContextSwitched
)

// StepStarted: a build step began.
type StepStarted struct {
	Stage string
	Index int // 1-based, as in [2/5]
	Total int
	Text  string // the instruction, as BuildKit prints it
	Line  int    // its line in the Dockerfile
}

// StepCached: a build step was answered from the build cache.
type StepCached struct {
	Stage  string
	Index  int
	Text   string
	Line   int
	DiffID string // the cached layer's diffID, "" when the step adds no layer
}

// LayerCreated: a build step froze its changes into a new read-only layer.
type LayerCreated struct {
	Stage   string
	Index   int
	Text    string
	Line    int
	DiffID  string
	Size    int64
	Added   []string
	Changed []string
	Deleted []string // paths whited out
}

// BuildFailed: a build stopped at a step.
type BuildFailed struct {
	Line    int
	Message string
}

// ImageBuilt: a build finished with an image.
type ImageBuilt struct {
	ID     string
	Tags   []string
	Layers int
	Size   int64
}

// ImageTagged: a tag now points at an image (and may have left another).
type ImageTagged struct {
	ID       string
	Tag      string
	Previous string // the image the tag left, "" if none
}

// ImageRemoved: an image or one of its tags was removed.
type ImageRemoved struct {
	ID      string
	Tag     string // the untagged name, "" when the image itself was deleted
	Deleted bool
}

// ImagePulled: an image arrived from a registry or the base catalog.
type ImagePulled struct {
	ID  string
	Ref string
}

// ContainerCreated: a container was made from an image.
type ContainerCreated struct {
	ID, Name, Image, ImageID string
}

// ContainerState: a container moved between created, running, paused,
// exited and dead.
type ContainerState struct {
	ID, Name string
	From, To string
	ExitCode int
	Reason   string // e.g. "the main process exited", "SIGKILL after the grace period"
}

// ContainerRemoved: a container and its writable layer are gone.
type ContainerRemoved struct {
	ID, Name string
	Size     int64 // the writable layer that went with it
}

// ContainerRenamed: a container got a new name; its ID and layers stay.
type ContainerRenamed struct{ ID, From, To string }

// FileCopiedUp: a file from an image layer was copied into a container's
// writable layer before its first change.
type FileCopiedUp struct {
	Container string
	Path      string
	FromLayer int // index in the image's stack, bottom first
	Size      int64
}

// FileWritten: a new file landed in a container's writable layer (or in a
// volume when Volume is set).
type FileWritten struct {
	Container string
	Path      string
	Volume    string
}

// Whiteout: a deletion of an image file was recorded in a writable layer.
type Whiteout struct {
	Container string
	Path      string
	Opaque    bool
}

// Committed: a container's writable layer was frozen into a new image.
type Committed struct {
	Container string
	ImageID   string
	DiffID    string
	Size      int64
}

// VolumeCreated, VolumeMounted, VolumeRemoved: volume lifecycle.
type VolumeCreated struct {
	Name      string
	Anonymous bool
}
type VolumeMounted struct{ Name, Container, Path string }
type VolumeRemoved struct{ Name string }

// BlobMoved: one layer or config blob went to or came from a registry.
type BlobMoved struct {
	Ref     string
	Digest  string
	Size    int64
	Skipped bool // already there: "Layer already exists" / "Already exists"
	Host    string
}

// ContextSwitched: the console now talks to another engine host.
type ContextSwitched struct{ From, To string }

// Narrate says what an event means, in one sentence for the aria-live region.
// Unknown events give "".
func Narrate(ev Event) string {
	switch p := ev.Payload.(type) {
	case StepStarted:
		return fmt.Sprintf("Step %d of %d: %s.", p.Index, p.Total, p.Text)
	case StepCached:
		return fmt.Sprintf("Step %d (%s) came from the build cache: nothing changed in it or before it, so its layer is reused.", p.Index, p.Text)
	case LayerCreated:
		return fmt.Sprintf("%s made a new read-only layer of %s (%d added, %d changed, %d deleted).",
			p.Text, HumanSize(p.Size), len(p.Added), len(p.Changed), len(p.Deleted))
	case BuildFailed:
		return fmt.Sprintf("The build failed at line %d: %s", p.Line, p.Message)
	case ImageBuilt:
		return fmt.Sprintf("Built image %s%s: %d layers, %s, frozen and read-only.", short(p.ID), tagList(p.Tags), p.Layers, HumanSize(p.Size))
	case ImageTagged:
		if p.Previous != "" && p.Previous != p.ID {
			return fmt.Sprintf("The tag %s moved from image %s to image %s.", p.Tag, short(p.Previous), short(p.ID))
		}
		return fmt.Sprintf("Image %s is now tagged %s.", short(p.ID), p.Tag)
	case ImageRemoved:
		if p.Deleted {
			return fmt.Sprintf("Image %s was deleted.", short(p.ID))
		}
		return fmt.Sprintf("The tag %s was removed from image %s.", p.Tag, short(p.ID))
	case ImagePulled:
		return fmt.Sprintf("Image %s (%s) is now on this host.", p.Ref, short(p.ID))
	case ContainerCreated:
		return fmt.Sprintf("Container %s was created from image %s with an empty writable layer of its own.", p.Name, p.Image)
	case ContainerState:
		s := fmt.Sprintf("Container %s is now %s", p.Name, p.To)
		if p.Reason != "" {
			s += ": " + p.Reason
		}
		return s + "."
	case ContainerRemoved:
		return fmt.Sprintf("Container %s was removed, and its writable layer (%s) went with it.", p.Name, HumanSize(p.Size))
	case ContainerRenamed:
		return fmt.Sprintf("Container %s is now called %s; its ID and writable layer are unchanged.", p.From, p.To)
	case FileCopiedUp:
		return fmt.Sprintf("%s was copied up from image layer %d into %s's writable layer before it changed; the image itself is untouched.", p.Path, p.FromLayer+1, p.Container)
	case FileWritten:
		if p.Volume != "" {
			return fmt.Sprintf("%s was written to volume %s, outside the container's writable layer.", p.Path, p.Volume)
		}
		return fmt.Sprintf("%s was written to %s's writable layer.", p.Path, p.Container)
	case Whiteout:
		return fmt.Sprintf("Deleting %s in %s recorded a whiteout: the file still exists in the image's layer, hidden from this container only.", p.Path, p.Container)
	case Committed:
		return fmt.Sprintf("Container %s's writable layer (%s) was frozen into a new read-only layer of image %s.", p.Container, HumanSize(p.Size), short(p.ImageID))
	case VolumeCreated:
		return fmt.Sprintf("Volume %s was created.", p.Name)
	case VolumeMounted:
		return fmt.Sprintf("Volume %s is mounted at %s in %s.", p.Name, p.Path, p.Container)
	case VolumeRemoved:
		return fmt.Sprintf("Volume %s was removed.", p.Name)
	case BlobMoved:
		verb := "pushed to"
		if ev.Type == EvBlobPulled {
			verb = "pulled from"
		}
		if p.Skipped {
			return fmt.Sprintf("Layer %s was already there, so it was not %s the registry again.", short(p.Digest), strings.TrimSuffix(strings.TrimSuffix(verb, " to"), " from"))
		}
		return fmt.Sprintf("Layer %s (%s) was %s the registry.", short(p.Digest), HumanSize(p.Size), verb)
	case ContextSwitched:
		return fmt.Sprintf("The console now talks to the engine on %s.", p.To)
	}
	return ""
}

func short(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return ""
	}
	return " (" + strings.Join(tags, ", ") + ")"
}

// HumanSize formats bytes the way the docker CLI's images, ps, history and
// system df columns do (go-units HumanSizeWithPrecision with precision 3:
// decimal units, three significant digits): 0B, 512B, 1.5kB, 1.02GB.
func HumanSize(n int64) string { return HumanSizePrecision(n, 3) }

// HumanSizePrecision is go-units' HumanSizeWithPrecision: decimal units and
// precision significant digits (docker system df's totals use four).
func HumanSizePrecision(n int64, precision int) string {
	units := []string{"B", "kB", "MB", "GB", "TB", "PB"}
	f := float64(n)
	i := 0
	for f >= 1000 && i < len(units)-1 {
		f /= 1000
		i++
	}
	return fmt.Sprintf("%.*g%s", precision, f, units[i])
}
