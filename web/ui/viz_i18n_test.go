package ui

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/web/locale"
)

// The picture speaks the page's language: counts with their plural
// forms, a container's state, the waste note. Names and sizes stay as
// they are.
func TestVizInPageLanguage(t *testing.T) {
	v := VizView{Hosts: []HostView{{
		Name: "laptop", Current: true, Images: 1,
		Families: []FamilyView{{
			Base: &BaseView{ID: "b1", Name: "alpine:3.20", Size: "7.8MB", SharedBy: 2, Layers: []LayerView{{Digest: "d1", Short: "d1", CreatedBy: "ADD rootfs", Size: "7.8MB"}}},
			Images: []ImageView{{
				ID: "abc123", Name: "web:1", Size: "8MB", AllLayers: 3,
				Wasted: "13B", OwnWasted: "13B",
				Containers: []ContainerView{
					{Name: "one", State: "running", Size: "0B"},
					{Name: "two", State: "exited", ExitCode: 2, Size: "4B"},
					{Name: "three", State: "paused", Size: "0B"},
				},
			}},
		}},
	}, {Name: "empty"}}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"3 containers share this image", "3 layers, read-only", "1 layer · 7.8MB", "stored once, under 2 images", ">running<", "exited (2)", ">paused<", "13B hidden by later layers, too little to matter", "Browse the files of alpine:3.20", "No images on <strong>empty</strong> yet. Build one with"}},
		{"es", []string{"3 contenedores comparten esta imagen", "3 capas, de solo lectura", "1 capa · 7.8MB", "guardada una vez, bajo 2 imágenes", "en ejecución", "terminado (2)", "en pausa", "13B ocultos por capas posteriores", "Ver los archivos de alpine:3.20", "escritos", "Aún no hay imágenes en <strong>empty</strong>"}},
		{"de", []string{"3 Container teilen sich dieses Image", "3 Schichten, schreibgeschützt", "1 Schicht · 7.8MB", "einmal gespeichert, unter 2 Images", "läuft", "beendet (2)", "pausiert", "13B von späteren Schichten verdeckt", "Dateien von alpine:3.20 durchsuchen", "geschrieben", "Noch keine Images auf <strong>empty</strong>"}},
	} {
		ctx := locale.With(context.Background(), tc.lang, &url.URL{Path: "/play"})
		var b strings.Builder
		if err := Viz(v).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		for _, w := range tc.want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: the picture lacks %q", tc.lang, w)
			}
		}
	}
	// One container: the singular.
	v.Hosts[0].Families[0].Images[0].Containers = v.Hosts[0].Families[0].Images[0].Containers[:1]
	for lang, want := range map[string]string{"en": "1 container runs from this image", "es": "1 contenedor se ejecuta desde esta imagen", "de": "1 Container läuft aus diesem Image"} {
		var b strings.Builder
		if err := Viz(v).Render(locale.With(context.Background(), lang, &url.URL{Path: "/play"}), &b); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), want) {
			t.Errorf("%s: the fan caption is not %q", lang, want)
		}
	}
}
