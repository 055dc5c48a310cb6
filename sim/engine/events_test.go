package engine

import (
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
)

// TestFileWrittenEvents: a new file in the writable layer, and any write
// into a volume, is reported so the web app can narrate where it landed;
// changing an image file is a copy-up instead.
func TestFileWrittenEvents(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   string // Container:Path:Volume of each FileWritten, in order
	}{
		// new files in the writable layer
		{"echo a > /new.txt", "c:/new.txt:"},
		{"echo a > /new.txt; echo b >> /new.txt", "c:/new.txt:"},
		{"touch /tmp/t", "c:/tmp/t:"},
		// an image file changes: a copy-up, not a new file
		{"echo x >> /etc/motd", ""},
		// writes under the mount point land in the volume, even to a file
		// that exists; back-to-back writes to one file are one event
		{"echo a > /data/x; echo b >> /data/x", "c:/data/x:v"},
		{"echo a > /data/x; echo b > /data/y; echo c >> /data/x", "c:/data/x:v c:/data/y:v c:/data/x:v"},
		{"echo a > /data/x; echo b > /new; echo c >> /new; echo d >> /data/x", "c:/data/x:v c:/new: c:/data/x:v"},
		{"cd /data && echo a > rel.txt", "c:/data/rel.txt:v"},
		// reading writes nothing
		{"cat /etc/motd > /dev/null; ls /data", ""},
	} {
		e := newTestEngine(t)
		var got []string
		e.emit = func(ev sim.Event) {
			if p, ok := ev.Payload.(sim.FileWritten); ok && ev.Type == sim.EvFileWritten {
				got = append(got, p.Container+":"+p.Path+":"+p.Volume)
				if sim.Narrate(ev) == "" {
					t.Errorf("%q: no narration for %+v", tc.script, p)
				}
			}
		}
		c := run(t, e, ContainerOptions{Image: "alpine", Name: "c", Cmd: []string{"sleep", "infinity"}, Volumes: []string{"v:/data"}})
		exec(t, e, c, tc.script)
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("%q: events %q, want %q", tc.script, s, tc.want)
		}
		// The next command's writes are reported afresh.
		got = nil
		exec(t, e, c, "echo again >> /data/x")
		if s := strings.Join(got, " "); s != "c:/data/x:v" {
			t.Errorf("after %q, a second exec's write: events %q", tc.script, s)
		}
	}
}
