package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web/sqlite"
)

// Export a shipped quiz to GIFT, import it back into a directory, and the
// quiz file loads; a broken GIFT file fails with its line.
func TestQuizGIFTCommands(t *testing.T) {
	dir := t.TempDir()
	gift := filepath.Join(dir, "q.gift")
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if err := run(context.Background(), []string{"quiz", "export", "--gift", gift, "--quiz", "image-vs-container"}, e); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errb.String(), "what-comes-first") || !strings.Contains(errb.String(), "GIFT cannot express") {
		t.Errorf("export did not report the ordering question it left out: %q", errb.String())
	}
	if err := run(context.Background(), []string{"quiz", "import", "--gift", gift, "--out", filepath.Join(dir, "out")}, e); err != nil {
		t.Fatal(err)
	}
	set, err := quizzes.Load(os.DirFS(filepath.Join(dir, "out")))
	if err != nil {
		t.Fatal(err)
	}
	q, ok := set.Quiz("image-vs-container")
	if !ok || q.Title != "Image or container?" || len(q.Questions) != 7 {
		t.Fatalf("imported %v", set.IDs())
	}
	os.WriteFile(gift, []byte("::a:: q {=x ~y}\n\n::b:: q {=x\n"), 0o644)
	err = run(context.Background(), []string{"quiz", "import", "--gift", gift, "--out", dir}, e)
	if err == nil || !strings.Contains(err.Error(), "q.gift:3:") {
		t.Errorf("importing a broken file: %v", err)
	}
}

func TestInstructorAdd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "l.db")
	var out bytes.Buffer
	e := func(stdin string) env {
		return env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	}
	if err := run(context.Background(), []string{"instructor", "add", "--db", db, "--password-stdin", "teacher@example.org"}, e("correct horse battery\n")); err != nil {
		t.Fatal(err)
	}
	// Flags after the email work too, and reach the database they name.
	other := filepath.Join(t.TempDir(), "other.db")
	if err := run(context.Background(), []string{"instructor", "add", "second@example.org", "--db", other, "--password-stdin"}, e("correct horse battery\n")); err != nil {
		t.Fatal(err)
	}
	store, err := sqlite.Open(context.Background(), other)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, _, found, err := store.Instructor(context.Background(), "second@example.org"); !found || err != nil {
		t.Errorf("the instructor added with --db after the email is not in that database: %v", err)
	}
	if _, err := os.Stat("layerlab.db"); err == nil {
		t.Errorf("a layerlab.db appeared in the working directory")
	}
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"instructor", "add", "--db", db, "--password-stdin", "not-an-email"}, "long enough password\n", "not an email"},
		{[]string{"instructor", "add", "--db", db, "--password-stdin", "a@example.org"}, "short\n", "too short"},
		{[]string{"instructor", "add", "--db", db, "a@example.org"}, "", "--password-stdin"},
		{[]string{"instructor", "add", "a@example.org", "b@example.org", "--db", db}, "", "exactly one EMAIL"},
		{[]string{"instructor", "add", "a@example.org", "--db"}, "", "flag needs an argument: -db"},
		{[]string{"instructor", "add", "a@example.org", "--nope"}, "", "flag provided but not defined: -nope"},
	} {
		err := run(context.Background(), tc.args, e(tc.stdin))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.args, err, tc.want)
		}
	}
}
