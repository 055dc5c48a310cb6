package build_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim/build"
)

// determinismCases are built by the parent test and by a child process.
var determinismCases = []string{"pageturn", "multistage", "delete-later", "heredoc", "add-tar"}

// digests builds each case on a fresh host and lists, per case, the image
// ID, the manifest digest and every layer's diffID.
func digests(t *testing.T) string {
	t.Helper()
	lib := testLibrary(t)
	var b strings.Builder
	for _, name := range determinismCases {
		dir := filepath.Join("testdata/build", name)
		opts := build.Options{}
		if _, err := os.Stat(filepath.Join(dir, "context")); err == nil {
			m, err := mapContext(os.DirFS(filepath.Join(dir, "context")))
			if err != nil {
				t.Fatal(err)
			}
			opts.Context = m
		}
		src, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		if err != nil {
			t.Fatal(err)
		}
		opts.Source = src
		h := newHost(lib)
		res, err := h.build(context.Background(), opts)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b.WriteString(name + " " + res.Image.ID().String() + " " + res.Image.ManifestDigest().String() + "\n")
		for _, l := range res.Image.Layers() {
			b.WriteString("  " + l.DiffID().String() + "\n")
		}
	}
	return b.String()
}

// TestDeterminismChild is the child's half of TestDeterminism: it prints
// the digests and does nothing when run on its own.
func TestDeterminismChild(t *testing.T) {
	if os.Getenv("LAYERLAB_DIGESTS_CHILD") != "1" {
		t.Skip("run by TestDeterminism")
	}
	os.Stdout.WriteString("BEGIN\n" + digests(t) + "END\n")
}

// Building the same Dockerfiles on two hosts of one process, and in a second
// process, gives byte-identical digests: nothing depends on the wall clock,
// map order, the process or the host.
func TestDeterminism(t *testing.T) {
	first := digests(t)
	if second := digests(t); second != first {
		t.Fatalf("two hosts in one process differ:\n%s\n%s", first, second)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDeterminismChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "LAYERLAB_DIGESTS_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	s := string(out)
	i, j := strings.Index(s, "BEGIN\n"), strings.Index(s, "END\n")
	if i < 0 || j < i {
		t.Fatalf("child printed no digests:\n%s", s)
	}
	if child := s[i+len("BEGIN\n") : j]; child != first {
		t.Fatalf("the child process built other digests:\nparent:\n%s\nchild:\n%s", first, child)
	}
	if n := strings.Count(first, "sha256:"); n < 20 {
		t.Fatalf("only %d digests compared", n)
	}
}
