package formatter

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

var (
	now     = time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	created = now.Add(-90 * time.Second)
	web     = Container{ID: strings.Repeat("ab", 32), Names: "web", Image: "pageturn", Command: "python app.py --port=8000",
		Created: created, State: "running", Status: "Up About a minute", Ports: "8000/tcp", SizeRw: 0, SizeRootFs: 1020000000,
		Labels: map[string]string{"com.example.team": "docs", "a": "b"}, Mounts: []string{"a-rather-long-volume-name"}, LocalVolumes: 1,
		Networks: []string{"bridge"}}
	alpine = Image{ID: "sha256:" + strings.Repeat("1b", 32), Repository: "alpine", Tag: "3.20", Digest: "<none>", Created: created,
		Size: 7797760, Containers: -1, SharedSize: -1}
)

func write(t *testing.T, format Format, trunc bool, rows func(Context) error) (string, error) {
	t.Helper()
	var b bytes.Buffer
	err := rows(Context{Output: &b, Format: format, Trunc: trunc, Now: now})
	return b.String(), err
}

func TestContainerFormats(t *testing.T) {
	for _, tc := range []struct {
		format Format
		trunc  bool
		want   string
	}{
		// The default table: the header is the template run on column names.
		{NewContainerFormat("", false, false), true,
			"CONTAINER ID   IMAGE      COMMAND                  CREATED              STATUS              PORTS      NAMES\n" +
				"abababababab   pageturn   \"python app.py --por…\"   About a minute ago   Up About a minute   8000/tcp   web\n"},
		{NewContainerFormat("", true, false), true, "abababababab\n"},
		{NewContainerFormat("", true, false), false, strings.Repeat("ab", 32) + "\n"},
		// "table" glued to text still makes a table; \t and \n are escapes.
		{"tableX {{.Names}}", true, "X NAMES\nX web\n"},
		{`{{.Names}}\n{{.State}}`, true, "web\nrunning\n"},
		{`table {{upper .Names}}\t{{.Size}}`, true, "NAMES     SIZE\nWEB       0B (virtual 1.02GB)\n"},
		// Labels sorted; Label by key; the header of a label is its key's last part.
		{`{{.Labels}}|{{.Label "com.example.team"}}`, true, "a=b,com.example.team=docs|docs\n"},
		{`table {{.Label "com.example.team"}}`, true, "team\ndocs\n"},
		{`{{.Mounts}}`, true, "a-rather-long-…\n"},
		{`{{.Mounts}}`, false, "a-rather-long-volume-name\n"},
		// json: every field, keys sorted.
		{"json", true, `{"Command":"\"python app.py --por…\"","CreatedAt":"2026-01-12 08:58:30 +0000 UTC","ID":"abababababab",` +
			`"Image":"pageturn","Labels":"a=b,com.example.team=docs","LocalVolumes":"1","Mounts":"a-rather-long-…","Names":"web",` +
			`"Networks":"bridge","Platform":null,"Ports":"8000/tcp","RunningFor":"About a minute ago","Size":"0B (virtual 1.02GB)",` +
			`"State":"running","Status":"Up About a minute"}` + "\n"},
		{`{{pad .Names 2 0}}|{{truncate .Names 2}}|{{join (split .Names "e") "-"}}|{{title "up down"}}`, true, "  web|we|w-b|Up Down\n"},
	} {
		got, err := write(t, tc.format, tc.trunc, func(c Context) error { return ContainerWrite(c, []Container{web}) })
		if err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%q:\n got %q\nwant %q", tc.format, got, tc.want)
		}
	}
}

func TestTemplateErrorsAsTheCLIWordsThem(t *testing.T) {
	for _, tc := range []struct {
		format Format
		write  func(Context) error
		want   string
	}{
		{"{{.ID", func(c Context) error { return ImageWrite(c, []Image{alpine}) }, "template parsing error: template: :1: unclosed action"},
		{"{{.Nope}}", func(c Context) error { return ImageWrite(c, []Image{alpine}) },
			`template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *formatter.imageContext`},
		{"{{.Nope}}", func(c Context) error { return HistoryWrite(c, true, []History{{ID: "<missing>"}}) },
			`template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *image.historyContext`},
		{"{{.Nope}}", func(c Context) error { return NetworkWrite(c, []Network{{Name: "bridge"}}) },
			`template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *network.networkContext`},
		{"{{.Nope}}", func(c Context) error { return DiskUsageWrite(c, DiskUsage{}, false) },
			`template parsing error: template: :1:2: executing "" at <.Nope>: can't evaluate field Nope in type *formatter.diskUsageImagesContext`},
	} {
		got, err := write(t, tc.format, true, tc.write)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q: error %v, want %s", tc.format, err, tc.want)
		}
		if got != "" {
			t.Errorf("%q: printed %q before failing", tc.format, got)
		}
	}
	// An empty list runs no row: a bad field goes unnoticed, as in the CLI.
	if got, err := write(t, "{{.Nope}}", true, func(c Context) error { return VolumeWrite(c, nil) }); err != nil || got != "" {
		t.Errorf("empty list: %q, %v", got, err)
	}
}

// TestOutputLimit: a template that loops over its own output is stopped at
// MaxBytes, and pad refuses more than MaxPad spaces.
func TestOutputLimit(t *testing.T) {
	loop := Format(`{{range split (pad "x" 1000 0) ""}}{{range split (pad "x" 1000 0) ""}}{{pad "y" 1000 0}}{{end}}{{end}}`)
	var b bytes.Buffer
	err := ContainerWrite(Context{Output: &b, Format: loop, Now: now, MaxBytes: 1 << 20}, []Container{web})
	if !errors.Is(err, ErrTooLong) {
		t.Errorf("a billion-byte template: %v, want ErrTooLong", err)
	}
	if b.Len() != 0 {
		t.Errorf("printed %d bytes of a stopped template", b.Len())
	}
	_, err = write(t, Format(`{{pad .Names 0 1001}}`), true, func(c Context) error { return ContainerWrite(c, []Container{web}) })
	if err == nil || !strings.Contains(err.Error(), "at most 1000 spaces") {
		t.Errorf("pad past the limit: %v", err)
	}
	if _, err = write(t, Format(`{{pad .Names 0 1000}}`), true, func(c Context) error { return ContainerWrite(c, []Container{web}) }); err != nil {
		t.Errorf("pad at the limit: %v", err)
	}
}

func TestDiskUsageSummary(t *testing.T) {
	du := DiskUsage{LayersSize: 2000,
		Images:     []Image{{ID: "sha256:aa", Size: 1500, SharedSize: 500, Containers: 1}, {ID: "sha256:bb", Size: 1000, SharedSize: 500}},
		Containers: []Container{{State: "running", SizeRw: 10}, {State: "exited", SizeRw: 30}},
		Volumes:    []Volume{{Name: "a", Links: 0, Size: 100}, {Name: "b", Links: 1, Size: 300}},
	}
	got, err := write(t, NewDiskUsageFormat("", false), true, func(c Context) error { return DiskUsageWrite(c, du, false) })
	if err != nil {
		t.Fatal(err)
	}
	want := "TYPE            TOTAL     ACTIVE    SIZE      RECLAIMABLE\n" +
		"Images          2         1         2kB       1kB (50%)\n" +
		"Containers      2         1         40B       30B (75%)\n" +
		"Local Volumes   2         1         400B      100B (25%)\n" +
		"Build Cache     0         0         0B        0B\n"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// FuzzFormat runs any --format text over every kind of list: it prints or
// fails with an error, never panics, never prints past the limit.
func FuzzFormat(f *testing.F) {
	file, err := os.Open("testdata/formats.txt")
	if err != nil {
		f.Fatal(err)
	}
	sc := bufio.NewScanner(file)
	for sc.Scan() {
		f.Add(sc.Text())
	}
	file.Close()
	f.Fuzz(func(t *testing.T, format string) {
		writers := []func(Context) error{
			func(c Context) error { return ContainerWrite(c, []Container{web, {}}) },
			func(c Context) error { return ImageWrite(c, []Image{alpine, {}}) },
			func(c Context) error { return HistoryWrite(c, true, []History{{ID: "<missing>"}, {ID: alpine.ID}}) },
			func(c Context) error { return VolumeWrite(c, []Volume{{Name: "v", Links: -1, Size: -1}}) },
			func(c Context) error { return NetworkWrite(c, []Network{{Name: "bridge"}}) },
			func(c Context) error { return ContextWrite(c, []DockerContext{{Name: "laptop", Current: true}}) },
			func(c Context) error {
				return DiskUsageWrite(c, DiskUsage{Images: []Image{alpine}, Containers: []Container{web}}, false)
			},
			func(c Context) error {
				return DiskUsageWrite(c, DiskUsage{Images: []Image{alpine}, Containers: []Container{web}}, true)
			},
		}
		for _, w := range writers {
			var b bytes.Buffer
			_ = w(Context{Output: &b, Format: Format(format), Trunc: true, Now: now, MaxBytes: 1 << 16})
			if b.Len() > 8<<16 { // a table's header and rows, in up to four sections
				t.Fatalf("%q printed %d bytes", format, b.Len())
			}
		}
	})
}
