package web

import (
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
)

// Every event the simulator narrates is told in Spanish and German too,
// with Docker's names left as they are; English is sim.Narrate's.
func TestNarrateTranslated(t *testing.T) {
	events := []sim.Event{
		{Type: sim.EvStepStarted, Payload: sim.StepStarted{Index: 2, Total: 5, Text: "RUN pip install"}},
		{Payload: sim.StepCached{Index: 3, Text: "COPY . ."}},
		{Payload: sim.LayerCreated{Text: "RUN pip install", Size: 1500}},
		{Payload: sim.BuildFailed{Line: 4, Message: "no such file"}},
		{Payload: sim.ImageBuilt{ID: "sha256:0123456789abcdef0123", Tags: []string{"pageturn:latest"}, Layers: 9, Size: 1020000000}},
		{Payload: sim.ImageTagged{ID: "sha256:aaaaaaaaaaaaaaaa", Tag: "pageturn:1.0"}},
		{Payload: sim.ImageTagged{ID: "sha256:aaaaaaaaaaaaaaaa", Previous: "sha256:bbbbbbbbbbbbbbbb", Tag: "pageturn:1.0"}},
		{Payload: sim.ImageRemoved{ID: "sha256:aaaaaaaaaaaaaaaa", Deleted: true}},
		{Payload: sim.ImageRemoved{ID: "sha256:aaaaaaaaaaaaaaaa", Tag: "x:1"}},
		{Payload: sim.ImagePulled{Ref: "alpine:3.20", ID: "sha256:cccccccccccccccc"}},
		{Payload: sim.ContainerCreated{Name: "web", Image: "pageturn"}},
		{Payload: sim.ContainerState{Name: "web", To: "running", Reason: "its main process started"}},
		{Payload: sim.ContainerState{Name: "web", To: "exited", ExitCode: 137, Reason: "killed"}},
		{Payload: sim.ContainerRemoved{Name: "web", Size: 12}},
		{Payload: sim.ContainerRenamed{From: "web", To: "site"}},
		{Payload: sim.FileCopiedUp{Path: "/app/app.py", FromLayer: 3, Container: "web"}},
		{Payload: sim.FileWritten{Path: "/data/x", Volume: "books"}},
		{Payload: sim.FileWritten{Path: "/app/x", Container: "web"}},
		{Payload: sim.Whiteout{Path: "/etc/issue", Container: "web"}},
		{Payload: sim.Committed{Container: "web", Size: 100, ImageID: "sha256:dddddddddddddddd"}},
		{Payload: sim.VolumeCreated{Name: "books"}},
		{Payload: sim.VolumeMounted{Name: "books", Path: "/data", Container: "web"}},
		{Payload: sim.VolumeRemoved{Name: "books"}},
		{Type: sim.EvBlobPushed, Payload: sim.BlobMoved{Digest: "sha256:eeeeeeeeeeeeeeee", Size: 2000}},
		{Type: sim.EvBlobPulled, Payload: sim.BlobMoved{Digest: "sha256:eeeeeeeeeeeeeeee", Skipped: true}},
		{Payload: sim.ContextSwitched{To: "server"}},
	}
	for _, ev := range events {
		en := narrate("en", ev)
		if en != sim.Narrate(ev) || en == "" {
			t.Errorf("English %T: %q, want sim.Narrate's", ev.Payload, en)
		}
		for _, tag := range []string{"es", "de"} {
			got := narrate(tag, ev)
			if got == "" || got == en || strings.Contains(got, "narrate.") || strings.Contains(got, "<no value>") {
				t.Errorf("%s %T: %q", tag, ev.Payload, got)
			}
		}
	}
	if got := narrate("es", events[12]); got != "El contenedor web ahora está terminado (exited), con el código de salida 137." {
		t.Errorf("es exit: %q", got)
	}
	if got := narrate("de", events[4]); got != "Image 0123456789ab (pageturn:latest) gebaut: 9 Schichten, 1.02GB, eingefroren und schreibgeschützt." {
		t.Errorf("de built: %q", got)
	}
	built := []sim.Event{
		{Payload: sim.LayerCreated{Text: "RUN pip install"}},
		{Payload: sim.ImageBuilt{ID: "sha256:0123456789abcdef", Tags: []string{"pageturn:latest"}}},
	}
	if got := summarize("es", built); got != "pageturn:latest construida: 1 capa nueva sobre su base, congelada y de solo lectura." {
		t.Errorf("es summary: %q", got)
	}
	if got := summarize("de", []sim.Event{{Payload: sim.ContainerRenamed{From: "web", To: "site"}}}); got != "Container web heißt jetzt site; seine ID und seine beschreibbare Schicht bleiben gleich." {
		t.Errorf("de summary of a rename: %q", got)
	}
}
