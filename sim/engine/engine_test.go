package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/image/validate"
	"github.com/layerlab/layerlab/sim/pkg"
)

func newTestEngine(t *testing.T) *Engine {
	t.Helper()
	bases, err := base.Load()
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := pkg.Load()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := NewLibrary(bases, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	e := New(Config{Seed: 1, Library: lib})
	if err := e.Preload("alpine"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { validateAll(t, e) })
	return e
}

// validateAll checks every image the test left on any host (built,
// committed, pulled or preloaded) against the OCI image rules, so an engine
// change that writes a malformed image fails whichever test made it.
func validateAll(t *testing.T, e *Engine) {
	t.Helper()
	var c validate.Checker
	for _, name := range e.order {
		for id, rec := range e.hosts[name].images {
			if err := c.Image(rec.img); err != nil {
				t.Errorf("host %s, image %s: %v", name, id.Encoded()[:12], err)
			}
		}
	}
}

func run(t *testing.T, e *Engine, o ContainerOptions) *Container {
	t.Helper()
	c, err := e.Create(o)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	return c
}

func exec(t *testing.T, e *Engine, c *Container, script string) string {
	t.Helper()
	out, errs, st, err := e.Exec(context.Background(), c, []string{"sh", "-c", script}, "", nil, "")
	if err != nil || st != 0 {
		t.Fatalf("exec %q: status %d, %v, %s", script, st, err, errs)
	}
	return out
}

// TestVolumeWritesBypassTheWritableLayer: under a mount point, writes land
// in the volume (kept after rm, invisible to diff and commit); elsewhere in
// the writable layer.
func TestVolumeWritesBypassTheWritableLayer(t *testing.T) {
	e := newTestEngine(t)
	c := run(t, e, ContainerOptions{Image: "alpine", Cmd: []string{"sleep", "infinity"}, Volumes: []string{"notes:/data", "conf:/etc"}})
	exec(t, e, c, "echo kept > /data/list.txt; mkdir /data/sub; echo x > /data/sub/y; echo top > /top.txt; echo more >> /etc/motd")
	var diff []string
	for _, ch := range e.Diff(c) {
		diff = append(diff, string(ch.Kind)+" "+ch.Path)
	}
	if got := strings.Join(diff, ","); got != "A /data,A /top.txt" {
		t.Errorf("diff = %s, want the mount point and /top.txt only", got)
	}
	if got := exec(t, e, c, "ls /data; cat /etc/alpine-release >/dev/null && echo prefilled"); got != "list.txt\nsub\nprefilled\n" {
		t.Errorf("inside the container: %q", got)
	}
	if err := e.Remove(c, true, false); err != nil {
		t.Fatal(err)
	}
	v, err := e.FindVolume("notes")
	if err != nil {
		t.Fatal(err)
	}
	if data, err := v.Data.ReadFile("/list.txt"); err != nil || string(data) != "kept\n" {
		t.Errorf("volume after rm: %q, %v", data, err)
	}
	other := run(t, e, ContainerOptions{Image: "alpine", Cmd: []string{"sleep", "infinity"}, Volumes: []string{"notes:/srv"}})
	// mv across the mount gets EXDEV from rename(2) and copies instead.
	if got := exec(t, e, other, "cat /srv/sub/y; mv /srv/sub/y /moved; cat /moved; ls /srv/sub"); got != "x\nx\n" {
		t.Errorf("second container: %q", got)
	}
	if _, err := v.Data.Stat("/sub/y"); err == nil {
		t.Error("the moved file is still in the volume")
	}
	if _, err := other.Upper.Stat("/moved"); err != nil || len(e.Diff(other)) == 0 {
		t.Errorf("the moved file is not in the writable layer: %v", err)
	}
}

// TestStopExitCodes: what docker stop ends with depends on whether PID 1
// handles the stop signal.
func TestStopExitCodes(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		want int
		wait bool // the grace period ran out on the virtual clock
	}{
		// PID 1 without a handler: SIGKILL after the timeout
		{[]string{"sleep", "infinity"}, 137, true},
		{[]string{"sh", "-c", "while true; do sleep 1; done"}, 137, true},
		// a trap decides
		{[]string{"sh", "-c", "trap 'exit 3' TERM; while true; do sleep 1; done"}, 3, false},
		{[]string{"sh", "-c", "trap \"echo bye; exit\" SIGTERM; while true; do sleep 1; done"}, 0, false},
		{[]string{"sh", "-c", "trap 'echo ignored' TERM; while true; do sleep 1; done"}, 137, true},
	} {
		e := newTestEngine(t)
		c := run(t, e, ContainerOptions{Image: "alpine", Cmd: tc.cmd})
		if c.State != Running {
			t.Fatalf("%q: state %s, want running", tc.cmd, c.State)
		}
		before := e.Now()
		e.Stop(c, 10e9, 0)
		if c.ExitCode != tc.want || c.State != Exited {
			t.Errorf("%q: %s %d, want exited %d", tc.cmd, c.State, c.ExitCode, tc.want)
		}
		if waited := e.Now().Sub(before) == 10e9; waited != tc.wait {
			t.Errorf("%q: waited the grace period = %t, want %t", tc.cmd, waited, tc.wait)
		}
	}
}

// TestViewsAreShared: containers of one image, in any session, share one
// union view and one decoded config.
func TestViewsAreShared(t *testing.T) {
	e := newTestEngine(t)
	a := run(t, e, ContainerOptions{Image: "alpine", Cmd: []string{"sleep", "infinity"}})
	e2 := New(Config{Seed: 2, Library: e.lib})
	if err := e2.Preload("alpine"); err != nil {
		t.Fatal(err)
	}
	b := run(t, e2, ContainerOptions{Image: "alpine", Cmd: []string{"sleep", "infinity"}})
	if a.Upper.Lower() != b.Upper.Lower() || a.config != b.config {
		t.Error("two containers of alpine in two sessions do not share the image's view and config")
	}
}

// TestEventsForEveryChange: a session's changes each produce an event.
func TestEventsForEveryChange(t *testing.T) {
	e := newTestEngine(t)
	var types []string
	e.emit = func(ev sim.Event) { types = append(types, ev.Type) }
	c := run(t, e, ContainerOptions{Image: "alpine", Cmd: []string{"sleep", "infinity"}, Volumes: []string{"v:/data"}})
	exec(t, e, c, "echo x >> /etc/motd; rm /etc/shells")
	if err := e.Rename(c, "renamed"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Commit(c, "learner/snap", "", "", nil); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := e.PushImage("learner/snap", &out); err != nil {
		t.Fatal(err)
	}
	e.Stop(c, 0, 0)
	if err := e.Remove(c, false, false); err != nil {
		t.Fatal(err)
	}
	got := strings.Join(types, " ")
	for _, want := range []string{sim.EvVolumeCreated, sim.EvVolumeMounted, sim.EvContainerCreated, sim.EvContainerState, sim.EvFileCopiedUp,
		sim.EvWhiteout, sim.EvContainerRenamed, sim.EvCommitted, sim.EvImageTagged, sim.EvBlobPushed, sim.EvContainerRemoved} {
		if !strings.Contains(got, want) {
			t.Errorf("no %s event in %s", want, got)
		}
	}
	for _, ev := range []sim.Event{{Type: sim.EvContainerRenamed, Payload: sim.ContainerRenamed{From: "a", To: "b"}}} {
		if sim.Narrate(ev) == "" {
			t.Errorf("%s has no narration", ev.Type)
		}
	}
}
