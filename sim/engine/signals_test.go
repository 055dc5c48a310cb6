package engine

import (
	"testing"
	"time"
)

// TestStopSignals: docker stop -s and restart -s send the given signal; a
// process that handles it ends at once, PID 1 without a handler ignores it
// until the grace period ends in SIGKILL. Checked with podman 4 (runc,
// busybox-static): `kill -s INT` ended a looping `sh -c` script with 130
// (trap on TERM or not) and left `sleep 1000` running; `stop -t 2` of the
// sleep then took 2 s and gave 137.
func TestStopSignals(t *testing.T) {
	loop := []string{"sh", "-c", "while true; do sleep 1; done"}
	trap := []string{"sh", "-c", "trap 'exit 3' TERM; while true; do sleep 1; done"}
	for _, tc := range []struct {
		image string
		cmd   []string
		sig   int // 0: the image's stop signal
		want  int
		wait  bool
	}{
		// PID 1 without a handler for the signal: the grace period, then SIGKILL
		{"alpine", []string{"sleep", "infinity"}, 0, 137, true},
		{"alpine", []string{"sleep", "infinity"}, 2, 137, true},
		{"alpine", []string{"sleep", "infinity"}, 1, 137, true},
		{"alpine", loop, 15, 137, true},
		{"alpine", trap, 1, 137, true},
		{"nginx", nil, 1, 137, true}, // SIGHUP reloads nginx; it keeps running
		// a handler ends it at once
		{"alpine", trap, 0, 3, false},
		{"alpine", trap, 15, 3, false},
		{"alpine", loop, 2, 130, false},
		{"alpine", trap, 2, 130, false},
		{"nginx", nil, 0, 0, false}, // its STOPSIGNAL is SIGQUIT: a graceful 0
		{"nginx", nil, 15, 0, false},
		// SIGKILL cannot be handled or ignored
		{"alpine", trap, 9, 137, false},
		{"nginx", nil, 9, 137, false},
	} {
		e := newTestEngine(t)
		if err := e.Preload("nginx"); err != nil {
			t.Fatal(err)
		}
		c := run(t, e, ContainerOptions{Image: tc.image, Cmd: tc.cmd})
		before := e.Now()
		e.Stop(c, 7*time.Second, tc.sig)
		if c.State != Exited || c.ExitCode != tc.want {
			t.Errorf("%s %q, signal %d: %s %d, want exited %d", tc.image, tc.cmd, tc.sig, c.State, c.ExitCode, tc.want)
		}
		if waited := e.Now().Sub(before) == 7*time.Second; waited != tc.wait {
			t.Errorf("%s %q, signal %d: waited the grace period = %t, want %t", tc.image, tc.cmd, tc.sig, waited, tc.wait)
		}
		// restart -s stops the same way, then starts it again.
		c2 := run(t, e, ContainerOptions{Image: tc.image, Cmd: tc.cmd})
		before = e.Now()
		if err := e.Restart(t.Context(), c2, 7*time.Second, tc.sig); err != nil {
			t.Fatal(err)
		}
		if c2.State != Running || (e.Now().Sub(before) == 7*time.Second) != tc.wait {
			t.Errorf("restart %s %q, signal %d: %s after %s", tc.image, tc.cmd, tc.sig, c2.State, e.Now().Sub(before))
		}
	}
}

// TestInspectSize: inspect --size reports the writable layer alone and the
// root filesystem (image plus writable layer), the same numbers ps -s shows.
func TestInspectSize(t *testing.T) {
	e := newTestEngine(t)
	c := run(t, e, ContainerOptions{Image: "alpine", Cmd: []string{"sleep", "infinity"}})
	if j := e.InspectContainer(c, false); j.SizeRw != nil || j.SizeRootFs != nil {
		t.Error("sizes without --size")
	}
	img := c.Image.Size()
	for _, tc := range []struct {
		script string
		rw     int64
	}{
		{"true", 0},
		{"printf 12345 > /a", 5},
		{"printf 123 >> /a", 8},
	} {
		exec(t, e, c, tc.script)
		j := e.InspectContainer(c, true)
		if j.SizeRw == nil || j.SizeRootFs == nil || *j.SizeRw != tc.rw || *j.SizeRootFs != img+tc.rw {
			t.Errorf("after %q: SizeRw %v SizeRootFs %v, want %d and %d", tc.script, j.SizeRw, j.SizeRootFs, tc.rw, img+tc.rw)
		}
	}
}
