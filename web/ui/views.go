package ui

// VizView is everything the visualizer draws for one engine.
type VizView struct {
	Host       string
	Images     []ImageView
	Containers []ContainerView
	Note       string // what the teaching copy simplifies
}

// ImageView is one image: its tags and its read-only layers, top first.
type ImageView struct {
	ID     string // short image ID (12 hex)
	Tags   []string
	Size   string
	Layers []LayerView
	Base   bool // a teaching copy from the base catalog
}

// LayerView is one read-only layer.
type LayerView struct {
	Digest    string // full diffID
	Short     string // 12 hex
	CreatedBy string
	Size      string
	SharedBy  int // how many images hold this layer
}

// ContainerView is one container: a thin writable layer over its image.
type ContainerView struct {
	ID      string
	Name    string
	Image   string // what docker ps shows in IMAGE
	ImageID string // short ID of its image
	State   string // created, running, paused, exited
	Size    string // its writable layer
	Files   int    // paths changed in its writable layer
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
	Viz  VizView
	Quiz QuestionView
}
