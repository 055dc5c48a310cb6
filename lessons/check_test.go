package lessons_test

import (
	"context"
	"testing"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
)

func library(t testing.TB) *engine.Library {
	t.Helper()
	bases, err := base.Load()
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := pkg.Load()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := engine.NewLibrary(bases, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	return lib
}

// TestCourse checks every shipped lesson: each goal unmet before its
// solution and met after it. Unknown quiz ids are not checked here: the
// quiz set grows separately; `layerlab lessons check` checks them.
func TestCourse(t *testing.T) {
	course, probs := lessons.Load(lessons.Files)
	for _, p := range probs {
		t.Error(p)
	}
	ck := lessons.Checker{Library: library(t)}
	for _, l := range course.Lessons {
		for _, p := range ck.Check(context.Background(), l) {
			t.Error(p)
		}
	}
}
