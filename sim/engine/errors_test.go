package engine

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim/errdefs"
)

// TestDaemonErrorsAreClassified checks that the daemon answers with moby's
// classes and never words the client's "Error response from daemon: " itself.
func TestDaemonErrorsAreClassified(t *testing.T) {
	e := newTestEngine(t)
	ctx := context.Background()
	web := run(t, e, ContainerOptions{Image: "alpine", Name: "web", Cmd: []string{"sleep", "1000"}})
	done := run(t, e, ContainerOptions{Image: "alpine", Name: "done", Cmd: []string{"true"}})
	for _, tc := range []struct {
		name  string
		err   error
		class errdefs.Class
		msg   string
	}{
		// Objects that are not there.
		{"no container", second(e.FindContainer("nothing")), errdefs.ClassNotFound, "No such container: nothing"},
		{"no image", second(e.ResolveImage("nothing")), errdefs.ClassNotFound, "No such image: nothing:latest"},
		{"no volume", e.RemoveVolume("nothing", false), errdefs.ClassNotFound, "get nothing: no such volume"},
		{"pull unknown", e.PullImage("learner/nothing", io.Discard), errdefs.ClassNotFound, "pull access denied for learner/nothing"},
		// States that forbid the request.
		{"name taken", second(e.Create(ContainerOptions{Image: "alpine", Name: "web"})), errdefs.ClassConflict, `The container name "/web" is already in use`},
		{"rm running", e.Remove(web, false, false), errdefs.ClassConflict, "stop the container before removing or force remove"},
		{"kill stopped", e.Kill(done, 9), errdefs.ClassConflict, "is not running"},
		{"rmi in use", second(e.RemoveImage("alpine", false)), errdefs.ClassConflict, "conflict: unable to"},
		// Requests the daemon cannot accept.
		{"bad name", second(e.Create(ContainerOptions{Image: "alpine", Name: "bad name"})), errdefs.ClassInvalidParameter, "Invalid container name (bad name)"},
		{"bad change", second(e.Commit(done, "", "", "", []string{"FROB x"})), errdefs.ClassInvalidParameter, "FROB is not a valid change command"},
	} {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if got := errdefs.ClassOf(tc.err); got != tc.class {
			t.Errorf("%s: class %v, want %v (%v)", tc.name, got, tc.class, tc.err)
		}
		if !strings.Contains(tc.err.Error(), tc.msg) {
			t.Errorf("%s: %q does not say %q", tc.name, tc.err, tc.msg)
		}
		if strings.Contains(tc.err.Error(), "Error response from daemon") {
			t.Errorf("%s: the daemon worded the client's prefix itself: %q", tc.name, tc.err)
		}
	}
	if err := e.Kill(done, 9); !errors.Is(err, ErrNotRunning) {
		t.Errorf("kill of a stopped container: %v, want ErrNotRunning", err)
	}
	if _, _, _, err := e.Exec(ctx, done, []string{"ls"}, "", nil, ""); !errors.Is(err, ErrNotRunning) {
		t.Errorf("exec in a stopped container: %v, want ErrNotRunning", err)
	}
	// A push of a tag the host lacks fails inside the progress stream: the
	// CLI prints that without the daemon prefix.
	if err := e.PushImage("nothing", io.Discard); errdefs.FromDaemon(err) || err == nil {
		t.Errorf("push of a missing tag: %v (class %v), want an unclassified stream error", err, errdefs.ClassOf(err))
	}
}

func second[T any](_ T, err error) error { return err }
