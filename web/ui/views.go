package ui

import (
	"html"
	"strings"
)

// VizView is everything the visualizer draws for one engine: every host in
// use, side by side, with the registry between them.
type VizView struct {
	Host     string     // the current host
	Hosts    []HostView // the current host first; others once they hold something
	Registry []string   // references the registry holds ("pageturn:1.0")
	Disk     DiskView   // the current host, as docker system df counts it
	Note     string     // what the teaching copies simplify
}

// HostView is one machine running Docker.
type HostView struct {
	Name     string
	Current  bool
	Families []FamilyView // images grouped by the base they stand on
	Volumes  []VolumeView
	Images   int
}

// FamilyView is the images built on one base: the base is drawn once, under
// all of them.
type FamilyView struct {
	Base   *BaseView // nil when the images start from scratch
	Images []ImageView
}

// BaseView is a base image's layers, collapsed into one labelled block.
type BaseView struct {
	Name     string // python:3.12, or "base layers" when no tag names them
	ID       string // short image ID, for its files
	Layers   []LayerView
	Size     string
	Teaching bool // a teaching copy from the base catalog
	SharedBy int  // images standing on it, itself included
	Wasted   string
}

// ImageView is one image: its own layers (top first) over its parent and
// base, and the containers running from it.
type ImageView struct {
	ID         string // short image ID (12 hex)
	Name       string // first tag, or <none>
	Tags       []string
	Size       string
	Layers     []LayerView // the layers it adds over Parent and its base, top first
	AllLayers  int         // its whole stack
	Parent     string      // another image of the family it stands on ("pageturn:latest")
	ParentLen  int         // that image's layers above the base
	BaseOnly   bool        // the base image itself (drawn only when containers run from it)
	Efficiency int         // percent of its bytes that are not hidden by a later layer
	Wasted     string      // bytes hidden by later whiteouts or overwrites, "" when none
	OwnWasted  string      // of them, in the layers it adds
	WasteLoud  bool        // OwnWasted is large enough to matter (1MB and more)
	Containers []ContainerView
}

// LayerView is one read-only layer.
type LayerView struct {
	Digest    string // full diffID
	Short     string // 12 hex
	CreatedBy string // the instruction, shortened for a caption
	Size      string
	Wasted    string // bytes of this layer hidden by later layers, "" when none
	WasteLoud bool   // Wasted is large enough to matter (1MB and more)
	Image     string // short ID of an image holding it, for the details view
}

// ContainerView is one container: a thin writable layer over its image.
type ContainerView struct {
	ID       string
	Name     string
	Image    string // what docker ps shows in IMAGE
	ImageID  string // short ID of its image
	State    string // created, running, paused, exited
	ExitCode int
	Process  string // its main process, shortened
	Size     string // its writable layer
	Files    int    // paths changed in its writable layer
	Volumes  []string
	Ports    []PortView
}

// PortView is a published port a learner can visit.
type PortView struct {
	Host      string // 8000
	Container string // 8000/tcp
}

// VolumeView is one volume and where it is mounted.
type VolumeView struct {
	Name      string
	Anonymous bool
	Size      string
	Mounts    []string // "web:/data"
}

// DiskView is docker system df as a meter.
type DiskView struct {
	LayersUnique  string // each layer counted once: what is on disk
	LayersVirtual string // what the images would take without sharing
	Containers    string
	Volumes       string
	UniquePct     int // share of the meter
	ContainersPct int
	VolumesPct    int
}

// HomeView is the home page: the Pageturn playground of the frame.
type HomeView struct {
	Viz VizView
	// VizHTML, when set, is the visualizer as the server last rendered it
	// with Viz for this learner: shown instead of Viz, so a page load
	// needs no replay.
	VizHTML string
	Quiz    QuizView
	Meta    Meta // link-preview tags
}

// breakable is an image reference such as learner/pageturn:1.0 as HTML
// that a narrow box breaks after its slash or before its tag, never
// inside a word: the escaped parts joined by <wbr>.
func breakable(ref string) string {
	parts := refParts(ref)
	for i, p := range parts {
		parts[i] = html.EscapeString(p)
	}
	return strings.Join(parts, "<wbr>")
}

// refParts splits an image reference after each slash and before its tag,
// where a line may break.
func refParts(ref string) []string {
	var parts []string
	start := 0
	for i, r := range ref {
		if (r == ':' || r == '@') && i > start {
			parts = append(parts, ref[start:i])
			start = i
		} else if r == '/' {
			parts = append(parts, ref[start:i+1])
			start = i + 1
		}
	}
	return append(parts, ref[start:])
}
