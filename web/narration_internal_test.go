package web

import (
	"context"
	"strings"
	"testing"
)

// TestOneSentencePerCommand runs a session as a learner would and checks
// what each command is summed up as: one short sentence, saying what
// changed, with no layer numbers (the picture does not number layers).
func TestOneSentencePerCommand(t *testing.T) {
	sess := testServer(t).newSession(playground{})
	ctx := context.Background()
	for _, c := range []struct{ line, want string }{
		{"docker build -t pageturn .", "Built pageturn:latest: 4 new layers on its base, frozen and read-only."},
		{"docker build -t pageturn .", "Built pageturn:latest entirely from the cache: nothing changed, so no new layer."},
		{"docker run -d --name web pageturn", "Container web started from image pageturn, with a new, empty writable layer of its own."},
		{"docker create --name spare pageturn", "Container spare was created from image pageturn, with an empty writable layer; it is not running yet."},
		{`docker exec web sh -c "echo hi >> /app/app.py"`, "/app/app.py was copied up from the image into web's writable layer before it changed; the image is untouched."},
		{"docker exec web rm /app/requirements.txt", "Deleting /app/requirements.txt in web recorded a whiteout; the image still holds the file."},
		{"docker pause web", "Container web is now paused."},
		{"docker unpause web", "Container web is now running."},
		{"docker rm spare", "Container spare was removed, and its writable layer (0B) went with it."},
		{"docker tag pageturn learner/pageturn:1.0", ""},
		{"docker push learner/pageturn:1.0", "Pushed learner/pageturn:1.0: 11 layers sent to the registry, 0 already there."},
		{"docker build -t nope -f Missing .", ""},
	} {
		if _, err := sess.do(ctx, LogEntry{Kind: "cmd", Line: c.line}); err != nil {
			t.Fatal(err)
		}
		got := summarize("en", sess.events)
		if c.want != "" && got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.line, got, c.want)
		}
		if strings.Count(got, ". ") > 0 || len(got) > 160 {
			t.Errorf("%s: not one short sentence: %q", c.line, got)
		}
		if strings.Contains(got, "layer 1") || strings.Contains(got, "Step ") {
			t.Errorf("%s: the sentence numbers layers or steps: %q", c.line, got)
		}
	}
}
