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

// The picture in words and the registry read whole in each language, and
// the English stays as a screen reader heard it before.
func TestVizWordsInPageLanguage(t *testing.T) {
	v := VizView{Registry: []string{"learner/web:1"}, Hosts: []HostView{{
		Name: "laptop", Current: true, Images: 2,
		Volumes: []VolumeView{{Name: "data", Size: "0B", Mounts: []string{"one:/data"}}, {Name: "spare", Size: "1B"}},
		Families: []FamilyView{{
			Base: &BaseView{ID: "b1", Name: "alpine:3.20", Size: "7.8MB", SharedBy: 2, Layers: []LayerView{{Digest: "d1", Short: "d1", CreatedBy: "ADD rootfs", Size: "7.8MB"}}},
			Images: []ImageView{{
				ID: "abc123", Name: "web:1", Size: "8MB", AllLayers: 3, Parent: "web:0", ParentLen: 2,
				Layers:     []LayerView{{Digest: "d2", Short: "d2", CreatedBy: "COPY . .", Size: "1kB"}},
				Containers: []ContainerView{{Name: "one", State: "exited", ExitCode: 0, Size: "4B", Volumes: []string{"data → /data"}}},
			}},
		}},
	}}}
	for _, tc := range []struct {
		lang string
		want []string
	}{
		{"en", []string{"Host laptop", "alpine:3.20: a base image, 1 read-only layer, 7.8MB, stored once and shared by 2 images.",
			"web:1: 3 read-only layers, 8MB, on alpine:3.20 and the layers of web:0.", "Its own layers, bottom first:",
			"one: exited (0), from image web:1, with its own writable layer of 4B, volume data → /data.",
			"data, 0B, mounted in one:/data.", "spare, 1B, not mounted.", "layers travel here on <code>push</code>, and back on <code>pull</code>",
			"on the 2 layers of <strong>web:0</strong>, shared", `aria-label="Files of layer COPY . ."`}},
		{"es", []string{"Host laptop", "alpine:3.20: una imagen base, 1 capa de solo lectura, 7.8MB, guardada una vez y compartida por 2 imágenes.",
			"one: terminado (0), de la imagen web:1", "spare, 1B, sin montar.", "Volúmenes", "las capas viajan aquí con <code>push</code>"}},
		{"de", []string{"alpine:3.20: ein Basis-Image, 1 schreibgeschützte Schicht", "data, 0B, eingehängt in one:/data.", "Container aus web:1",
			"Schichten reisen mit <code>push</code> hierher und mit <code>pull</code> zurück"}},
	} {
		ctx := locale.With(context.Background(), tc.lang, &url.URL{Path: "/play"})
		var b strings.Builder
		if err := Viz(v).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		// Text is compared as a reader meets it: runs of white space are one.
		got := strings.Join(strings.Fields(b.String()), " ")
		for _, w := range tc.want {
			w = strings.ReplaceAll(w, "→", "&rarr;")
			if !strings.Contains(got, w) && !strings.Contains(got, strings.ReplaceAll(w, "&rarr;", "→")) {
				t.Errorf("%s: the picture lacks %q", tc.lang, w)
			}
		}
	}
	v.Registry = nil
	v.Hosts[0].Volumes = nil
	var b strings.Builder
	if err := Viz(v).Render(locale.With(context.Background(), "es", &url.URL{Path: "/play"}), &b); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "<p>Ninguno.</p>") {
		t.Error("es: an empty list does not say Ninguno.")
	}
}
