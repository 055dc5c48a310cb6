package ui

// VizView is everything the visualizer draws for one engine.
type VizView struct {
	Host       string
	Hosts      []string
	Images     []ImageView
	Containers []ContainerView
	Volumes    []VolumeView
	Forest     []StackNode // the images as a tree of shared layer runs
	Disk       DiskView
	Registry   []string // repositories in the registry
	Note       string   // what the teaching copy simplifies
}

// StackNode is a run of layers that the same images share, with what grows
// on top of it: longer stacks (Children) and images that end right here
// (Tips). Layers are top first.
type StackNode struct {
	Layers   []LayerView
	Children []StackNode
	Tips     []ImageView
	Width    int // how many tips stand on this run: the images sharing it
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

// ImageView is one image: its tags and its read-only layers, top first.
type ImageView struct {
	ID         string // short image ID (12 hex)
	Tags       []string
	Size       string
	Layers     []LayerView
	Base       bool // a teaching copy from the base catalog
	Containers []ContainerView
}

// LayerView is one read-only layer.
type LayerView struct {
	Digest    string // full diffID
	Short     string // 12 hex
	CreatedBy string
	Size      string
	SharedBy  int    // how many images hold this layer
	Base      bool   // it belongs to a base image's teaching copy
	Image     string // short ID of an image holding it, for the details view
}

// ContainerView is one container: a thin writable layer over its image.
type ContainerView struct {
	ID      string
	Name    string
	Image   string   // what docker ps shows in IMAGE
	ImageID string   // short ID of its image
	State   string   // created, running, paused, exited
	Size    string   // its writable layer
	Files   int      // paths changed in its writable layer
	Volumes []string // "data → /var/lib/data"
}

// QuestionView is one quiz question as a learner sees it.
type QuestionView struct {
	Quiz    string
	ID      string
	Prompt  string
	Choices []ChoiceView
}

// ChoiceView is one choice of a question.
type ChoiceView struct {
	ID   string
	Text string
}

// HomeView is the home page: the Pageturn playground of the frame.
type HomeView struct {
	Viz VizView
	// VizHTML, when set, is the visualizer as the server last rendered it
	// with Viz for this learner: shown instead of Viz, so a page load
	// needs no replay.
	VizHTML string
	Quiz    QuestionView
}
