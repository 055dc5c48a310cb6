package lessons_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/lessons"
)

// The shipped translations match their originals and pass the checker,
// and the first three lessons are translated into every language.
func TestShippedTranslations(t *testing.T) {
	course, probs := lessons.Load(lessons.Files)
	for _, p := range probs {
		t.Fatal(p)
	}
	langs := lessons.Locales(lessons.Files)
	if strings.Join(langs, ",") != "de,es" {
		t.Errorf("translations: %v, want de and es", langs)
	}
	ck := lessons.Checker{Library: library(t)}
	for _, lang := range langs {
		tr, probs := lessons.LoadTranslation(lessons.Files, lang, course)
		for _, p := range probs {
			t.Error(p)
		}
		if len(tr.Lessons) != len(course.Lessons) {
			t.Fatalf("%s: %d lessons, want all %d (English where untranslated)", lang, len(tr.Lessons), len(course.Lessons))
		}
		for i, l := range tr.Lessons[:3] {
			if l.File != lang+"/"+course.Lessons[i].File || l.Title == course.Lessons[i].Title {
				t.Errorf("%s: lesson %d (%s) is not translated", lang, i+1, l.ID)
			}
			for _, p := range ck.Check(context.Background(), l) {
				t.Error(p)
			}
		}
		if last := tr.Lessons[len(tr.Lessons)-1]; last != course.Lessons[len(course.Lessons)-1] {
			t.Errorf("%s: an untranslated lesson is not its English original", lang)
		}
	}
}

// A translation whose id, goal, predicted output or solution drifts from
// its original is refused, each drift reported at its line, and the
// English original is served in its place.
func TestTranslationDrift(t *testing.T) {
	fsys := os.DirFS("testdata/translation-drift")
	course, probs := lessons.Load(fsys)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	tr, probs := lessons.LoadTranslation(fsys, "es", course)
	var got []string
	for _, p := range probs {
		got = append(got, p.Error())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{
		`es/01-run.md:1: front matter: id "ejecuta-uno" differs from the original's "run-one"`,
		`es/01-run.md:17: step 1 (Construye): the goal differs`,
		`es/01-run.md:24: step 2 (Predice): choice 2 differs`,
		`es/01-run.md:38: step 3 (Ejecuta): the solution differs`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("missing problem %q in:\n%s", want, all)
		}
	}
	if l, _ := tr.Lesson("run-one"); l == nil || l.Title != "Run one" {
		t.Errorf("the drifted translation is served instead of the original: %+v", l)
	}
	if _, ok := tr.Lesson("ejecuta-uno"); ok {
		t.Error("the drifted id is served")
	}
}

// A good translation replaces its original; the others stay English.
func TestTranslationFallsBackPerFile(t *testing.T) {
	good, err := os.ReadFile("testdata/translated/01-run.md")
	if err != nil {
		t.Fatal(err)
	}
	es, err := os.ReadFile("testdata/translated/es/01-run.md")
	if err != nil {
		t.Fatal(err)
	}
	other := strings.NewReplacer("id: run-one", "id: run-two", "order: 1", "order: 2", "title: Run one", "title: Run two").Replace(string(good))
	fsys := fstest.MapFS{
		"01-run.md":    {Data: good},
		"02-run.md":    {Data: []byte(other)},
		"es/01-run.md": {Data: es},
		"es/09-new.md": {Data: []byte(strings.Replace(string(es), "id: run-one", "id: new", 1))},
	}
	course, probs := lessons.Load(fsys)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	tr, probs := lessons.LoadTranslation(fsys, "es", course)
	if len(probs) != 1 || !strings.Contains(probs[0].Error(), "es/09-new.md:1: no English lesson of this file name") {
		t.Errorf("problems: %v, want one about the translation without an original", probs)
	}
	if len(tr.Lessons) != 2 || tr.Lessons[0].Title != "Ejecuta uno" || tr.Lessons[1].Title != "Run two" {
		t.Errorf("course in es: %v", titles(tr))
	}
	if tr.Lessons[0].Steps[0].Title != "Construye" || tr.Lessons[0].Steps[0].Hints[0] != "Usa docker build." {
		t.Errorf("step not translated: %+v", tr.Lessons[0].Steps[0])
	}
}

func titles(c *lessons.Course) []string {
	var out []string
	for _, l := range c.Lessons {
		out = append(out, l.Title)
	}
	return out
}

// The glossary reads in every language, entry for entry.
func TestGlossaryTranslations(t *testing.T) {
	en, err := lessons.Glossary()
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"es", "de"} {
		terms, err := lessons.GlossaryIn(lang)
		if err != nil {
			t.Fatal(err)
		}
		if len(terms) != len(en) {
			t.Fatalf("%s: %d terms, want %d", lang, len(terms), len(en))
		}
		for i := range terms {
			if terms[i].ID != en[i].ID || terms[i].Means == en[i].Means {
				t.Errorf("%s: entry %d (%s) is not translated", lang, i, en[i].ID)
			}
		}
	}
	if terms, err := lessons.GlossaryIn("fr"); err != nil || terms[0].Means != en[0].Means {
		t.Errorf("an untranslated language is not English: %v", err)
	}
}
