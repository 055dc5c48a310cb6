package quizzes

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
)

// A translation of a quiz is a file of the same name in a directory named
// after its language (es/processes.yaml). It changes the prose only:
// title, summary, prompts, choice texts, steps, categories, items,
// accepted short answers, feedback and explanations. What grading reads
// stays the original's: the ids, the pass mark, each question's type, how
// many choices, steps, categories and items it has and which are right
// (by position), the true/false answer, and a predict question's
// setup, command and candidate outputs. A quiz with no translation is
// served in English.

// Locales lists the translation directories of fsys (es, de, …), sorted:
// two-letter names, optionally with a region (pt-br).
func Locales(fsys fs.FS) []string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && localeDir.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

var localeDir = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]{2,8})?$`)

// LoadTranslation reads the quizzes in directory lang of fsys, checks each
// against its original in base (matched by file name) and returns the set
// in that language: base with every good translation in place of its
// original. Translated predict questions take the original's prepared
// output. A translation with problems is left out and reported.
func LoadTranslation(fsys fs.FS, lang string, base *Set) (*Set, error) {
	names, err := fs.Glob(fsys, path.Join(lang, "*.yaml"))
	if err != nil {
		return base, err
	}
	sort.Strings(names)
	byFile := map[string]*Quiz{}
	for _, q := range base.All() {
		byFile[q.File] = q
	}
	translated := map[string]*Quiz{}
	var errs []error
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		t, err := Parse(name, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		orig, ok := byFile[path.Base(name)]
		if !ok {
			errs = append(errs, fmt.Errorf("%s:1: no English quiz of this file name: a translation has the same file name as its original", name))
			continue
		}
		if err := CompareTranslation(orig, t); err != nil {
			errs = append(errs, err)
			continue
		}
		for i := range t.Questions {
			t.Questions[i].expected = orig.Questions[i].expected
		}
		translated[orig.ID] = t
	}
	out := &Set{byID: map[string]*Quiz{}, order: append([]string(nil), base.order...)}
	for _, id := range base.order {
		q := base.byID[id]
		if t, ok := translated[id]; ok {
			q = t
		}
		out.byID[id] = q
	}
	return out, errors.Join(errs...)
}

// CompareTranslation says where translation t changes more than the prose
// of orig, one error per difference, each with t's file and line.
func CompareTranslation(orig, t *Quiz) error {
	var errs []error
	at := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", t.File, line, fmt.Sprintf(format, args...)))
	}
	if t.ID != orig.ID {
		at(1, "quiz id %q differs from the original's %q (%s); translate the prose only", t.ID, orig.ID, orig.File)
	}
	if t.Pass != orig.Pass {
		at(1, "pass %d differs from the original's %d", t.Pass, orig.Pass)
	}
	if len(t.Questions) != len(orig.Questions) {
		at(1, "%d questions, the original has %d: translate every question, add none", len(t.Questions), len(orig.Questions))
		return errors.Join(errs...)
	}
	for i := range t.Questions {
		tq, oq := &t.Questions[i], &orig.Questions[i]
		bad := func(format string, args ...any) {
			at(tq.Line, "question %d (%s): %s", i+1, tq.ID, fmt.Sprintf(format, args...))
		}
		switch {
		case tq.ID != oq.ID:
			bad("id differs from the original's %q", oq.ID)
		case tq.Type != oq.Type:
			bad("type %q differs from the original's %q", tq.Type, oq.Type)
		case !reflect.DeepEqual(tq.Answer, oq.Answer):
			bad("the true/false answer differs from the original's")
		case len(tq.Choices) != len(oq.Choices):
			bad("%d choices, the original has %d", len(tq.Choices), len(oq.Choices))
		case len(tq.Steps) != len(oq.Steps):
			bad("%d steps, the original has %d", len(tq.Steps), len(oq.Steps))
		case len(tq.Categories) != len(oq.Categories) || len(tq.Items) != len(oq.Items):
			bad("categories or items differ in number from the original's")
		case len(tq.Accept) == 0 && len(oq.Accept) > 0:
			bad("no accepted answers")
		case tq.Command != oq.Command || !reflect.DeepEqual(tq.Setup, oq.Setup) || !reflect.DeepEqual(tq.Bases, oq.Bases) ||
			!reflect.DeepEqual(tq.Context, oq.Context) || tq.AnyOrder != oq.AnyOrder:
			bad("the command, setup, bases, context or any_order differ from the original's; they stay as they are")
		default:
			for j := range tq.Choices {
				if tq.Choices[j].Correct != oq.Choices[j].Correct {
					bad("choice %d is marked correct differently from the original", j+1)
				}
				if tq.Type == Predict && tq.Choices[j].Text != oq.Choices[j].Text {
					bad("choice %d: a predicted output is what the program prints and is never translated", j+1)
				}
			}
			for j := range tq.Items {
				if catIndex(tq.Categories, tq.Items[j].Category) != catIndex(oq.Categories, oq.Items[j].Category) {
					bad("item %d is sorted under another category than in the original", j+1)
				}
			}
		}
	}
	return errors.Join(errs...)
}

func catIndex(cats []string, c string) int {
	for i, x := range cats {
		if x == c {
			return i
		}
	}
	return -1
}
