package locale

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

func TestPick(t *testing.T) {
	for _, tt := range []struct {
		query, cookie, accept, want string
	}{
		{"", "", "", "en"},
		{"", "", "es", "es"},
		{"", "", "es-MX,es;q=0.9,en;q=0.8", "es"},
		{"", "", "de-AT", "de"},
		{"", "", "fr-FR,fr;q=0.9", "en"},           // nothing we speak: English
		{"", "", "fr;q=0.9,de;q=0.5", "de"},        // the best one we speak
		{"", "", "not a header;;;q=x", "en"},       // garbage is ignored
		{"", "de", "es", "de"},                     // the cookie beats the header
		{"es", "de", "en", "es"},                   // ?lang= beats both
		{"ES", "", "", "es"},                       // case does not matter
		{"xx", "de", "es", "de"},                   // an unknown ?lang= is skipped
		{"<script>", "<b>", "es", "es"},            // and so is a hostile one
		{"", "", strings.Repeat("x-", 5000), "en"}, // a huge header costs nothing
	} {
		if got := Pick(tt.query, tt.cookie, tt.accept); got != tt.want {
			t.Errorf("Pick(%q, %q, %.30q) = %q, want %q", tt.query, tt.cookie, tt.accept, got, tt.want)
		}
	}
}

// Every language has every message, and none English lacks: a missing one
// would show in English, an extra one never.
func TestCatalogsComplete(t *testing.T) {
	if len(IDs()) < 100 {
		t.Fatalf("only %d English messages", len(IDs()))
	}
	for _, l := range Langs {
		missing, unknown, err := Missing(l.Tag)
		if err != nil {
			t.Fatal(err)
		}
		if len(missing) > 0 {
			t.Errorf("%s lacks %d messages: %v", l.Tag, len(missing), missing)
		}
		if len(unknown) > 0 {
			t.Errorf("%s has messages English does not: %v", l.Tag, unknown)
		}
	}
}

func TestT(t *testing.T) {
	es := With(context.Background(), "es", nil)
	if got := T(es, "nav.lessons"); got != "Lecciones" {
		t.Errorf("es nav.lessons = %q", got)
	}
	if got := T(context.Background(), "nav.lessons"); got != "Lessons" {
		t.Errorf("no language: %q, want English", got)
	}
	if got := T(With(context.Background(), "de", nil), "course.progress", map[string]any{"Done": 2, "Steps": 5}); got != "2 von 5 Schritten" {
		t.Errorf("de course.progress = %q", got)
	}
	if got := T(es, "challenge.par", map[string]any{"N": 1}); got != "Par: 1 orden." {
		t.Errorf("es par 1 = %q", got)
	}
	if got := T(es, "no.such.message"); got != "no.such.message" {
		t.Errorf("a message nobody has = %q, want its id", got)
	}
	if With(context.Background(), "klingon", nil) == nil || From(With(context.Background(), "klingon", nil)) != "en" {
		t.Error("an unsupported language is English")
	}
}

// A translation that lacks a message shows that one message in English
// and the rest translated.
func TestFallbackPerMessage(t *testing.T) {
	fsys := fstest.MapFS{
		"messages/active.en.yaml": {Data: []byte("a.one: \"One\"\na.two: \"Two\"\n")},
		"messages/active.es.yaml": {Data: []byte("a.one: \"Uno\"\n")},
		"messages/active.de.yaml": {Data: []byte("a.two: \"Zwei\"\n")},
	}
	b, err := load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	lc := i18n.NewLocalizer(b, "es")
	for id, want := range map[string]string{"a.one": "Uno", "a.two": "Two"} {
		got, _ := lc.Localize(&i18n.LocalizeConfig{MessageID: id})
		if got != want {
			t.Errorf("es %s = %q, want %q", id, got, want)
		}
	}
}

func TestSwitches(t *testing.T) {
	u, _ := url.Parse("/lessons/processes?share=abc&lang=de")
	sw := Switches(With(context.Background(), "de", u))
	if len(sw) != len(Langs) {
		t.Fatalf("%d switches", len(sw))
	}
	for _, s := range sw {
		if s.Current != (s.Tag == "de") {
			t.Errorf("%s current = %v", s.Tag, s.Current)
		}
		want := "/lessons/processes?lang=" + s.Tag + "&share=abc"
		if s.Href != want {
			t.Errorf("%s href = %q, want %q", s.Tag, s.Href, want)
		}
	}
	// A path that would read as another host stays on this one.
	for _, p := range []string{"//evil.example/x", "/\\evil.example/x", "///x"} {
		for _, s := range Switches(With(context.Background(), "en", &url.URL{Path: p})) {
			if strings.HasPrefix(s.Href, "//") || strings.HasPrefix(s.Href, "/\\") || !strings.HasPrefix(s.Href, "/") {
				t.Errorf("href %q leaves the site", s.Href)
			}
		}
	}
}

// The table the scripts read has every js. message, without the prefix.
func TestScript(t *testing.T) {
	m := Script(With(context.Background(), "de", nil))
	if m["quiz.correct"] != "Richtig." {
		t.Errorf("de quiz.correct = %q", m["quiz.correct"])
	}
	for k := range m {
		if strings.HasPrefix(k, "js.") {
			t.Errorf("key %q keeps its prefix", k)
		}
	}
}

// The JSON every page carries is made once and is valid, with json's
// HTML escaping, so no message can close the <script> element.
func TestScriptJSON(t *testing.T) {
	for _, l := range Langs {
		s := ScriptJSON(With(context.Background(), l.Tag, nil))
		var m map[string]string
		if err := json.Unmarshal([]byte(s), &m); err != nil || len(m) < 30 {
			t.Errorf("%s: %d strings, %v", l.Tag, len(m), err)
		}
		if strings.Contains(s, "</") || strings.Contains(s, "<") {
			t.Errorf("%s: unescaped markup in %q", l.Tag, s)
		}
	}
}
