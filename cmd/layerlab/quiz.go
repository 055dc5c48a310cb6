package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/layerlab/layerlab/quizzes"
)

// runQuiz converts between quiz files and Moodle GIFT:
//
//	layerlab quiz import --gift FILE [--out DIR]
//	layerlab quiz export --gift FILE [--quiz ID] [--dir DIR]
func runQuiz(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || (args[0] != "import" && args[0] != "export") {
		return errors.New("usage: layerlab quiz import --gift FILE [--out DIR] | layerlab quiz export --gift FILE [--quiz ID] [--dir DIR]")
	}
	verb := args[0]
	fs := newFlags("quiz "+verb, e)
	gift := fs.String("gift", "", "the GIFT file to read (import) or write (export)")
	out := fs.String("out", "quizzes", "import: the directory the quiz file is written to")
	dir := fs.String("dir", "", "export: the quiz directory to read (default: the quizzes built into layerlab)")
	only := fs.String("quiz", "", "export: only the quiz with this id")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *gift == "" || fs.NArg() > 0 {
		return fmt.Errorf("quiz %s needs --gift FILE and no other arguments", verb)
	}
	if verb == "import" {
		return importGIFT(e, *gift, *out)
	}
	return exportGIFT(e, *gift, *dir, *only)
}

func importGIFT(e env, file, out string) error {
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("quiz import: %w", err)
	}
	id := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	q, notes, err := quizzes.ParseGIFT(file, id, src)
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "%s:%s\n", file, strings.TrimPrefix(n.String(), "line "))
	}
	if err != nil {
		return fmt.Errorf("quiz import: %w", err)
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# Imported from %s (Moodle GIFT).\n", filepath.Base(file))
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(q); err != nil {
		return fmt.Errorf("quiz import: writing YAML: %w", err)
	}
	// The written file must load back: the same checks as every quiz file.
	if _, err := quizzes.Parse(q.ID+".yaml", buf.Bytes()); err != nil {
		return fmt.Errorf("quiz import: the converted quiz does not load: %w", err)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("quiz import: %w", err)
	}
	dest := filepath.Join(out, q.ID+".yaml")
	if err := os.WriteFile(dest, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("quiz import: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d questions\n", dest, len(q.Questions))
	return nil
}

func exportGIFT(e env, file, dir, only string) error {
	var fsys fs.FS = quizzes.Files
	if dir != "" {
		fsys = os.DirFS(dir)
	}
	set, err := quizzes.Load(fsys)
	if err != nil {
		return fmt.Errorf("quiz export: %w", err)
	}
	qs := set.All()
	if only != "" {
		q, ok := set.Quiz(only)
		if !ok {
			return fmt.Errorf("quiz export: no quiz %q (have: %s)", only, strings.Join(set.IDs(), ", "))
		}
		qs = []*quizzes.Quiz{q}
	}
	var buf bytes.Buffer
	notes, err := quizzes.WriteGIFT(&buf, qs...)
	if err != nil {
		return fmt.Errorf("quiz export: %w", err)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "note: %s\n", n.Text)
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("quiz export: %w", err)
	}
	fmt.Fprintf(e.stdout, "wrote %s: %d quizzes\n", file, len(qs))
	return nil
}
