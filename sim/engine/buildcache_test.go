package engine

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/fstest"
)

// TestBuildCacheRecords: each layer a build step makes is a build cache
// record; a cache hit reuses it; a record whose layer an image holds is
// shared, so it is left out of the cache's size and a plain prune keeps it.
// That is how BuildKit's cache manager marks records (cache/manager.go,
// markShared) and how the docker CLI sums them (non-shared sizes only).
func TestBuildCacheRecords(t *testing.T) {
	e := newTestEngine(t)
	ctxFS := fstest.MapFS{
		"Dockerfile": {Data: []byte("FROM alpine\nCOPY notes.txt /notes.txt\nRUN echo built > /built\nCMD [\"cat\", \"/notes.txt\"]\n")},
		"notes.txt":  {Data: []byte("first\n")},
	}
	build := func(tag string, noCache bool) {
		t.Helper()
		if _, err := e.Build(context.Background(), BuildOptions{Context: ctxFS, Tags: []string{tag}, NoCache: noCache}); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		records, shared int
		usage           string // each record's usage count, oldest use first
	}
	check := func(step string, w want) {
		t.Helper()
		recs := e.BuildCache()
		var usage []string
		shared := 0
		for _, r := range recs {
			usage = append(usage, strings.Repeat("|", r.Usage))
			if r.Shared {
				shared++
			}
			if len(r.ID) != 25 || r.Size < 0 || r.LastUsed.Before(r.Created) {
				t.Errorf("%s: malformed record %+v", step, r)
			}
		}
		if len(recs) != w.records || shared != w.shared || strings.Join(usage, " ") != w.usage {
			t.Errorf("%s: %d records, %d shared, usage %q; want %d, %d, %q", step, len(recs), shared, strings.Join(usage, " "), w.records, w.shared, w.usage)
		}
	}

	check("before any build", want{0, 0, ""})
	build("notes:1", false)
	check("first build", want{2, 2, "| |"})
	e.Tick()
	build("notes:1", false)
	check("cached rebuild", want{2, 2, "|| ||"})
	ctxFS["notes.txt"] = &fstest.MapFile{Data: []byte("second\n")}
	e.Tick()
	build("learner/notes:2", false)
	check("changed COPY", want{4, 4, "|| || | |"})
	if _, err := e.RemoveImage("notes:1", false); err != nil {
		t.Fatal(err)
	}
	check("first image removed", want{4, 2, "|| || | |"})

	ids, freed := e.PruneBuildCache(false)
	if len(ids) != 2 || freed == 0 {
		t.Errorf("prune: %v, %d bytes; want the two records no image holds", ids, freed)
	}
	check("after prune", want{2, 2, "| |"})
	ids, freed = e.PruneBuildCache(true)
	if len(ids) != 2 || freed != 0 {
		t.Errorf("prune -a: %v, %d bytes; want the two shared records, freeing nothing the image does not keep", ids, freed)
	}
	check("after prune -a", want{0, 0, ""})

	// The cache is per host, and a pulled image arrives whole and valid.
	var out bytes.Buffer
	if err := e.PushImage("learner/notes:2", &out); err != nil {
		t.Fatal(err)
	}
	if err := e.Use("server"); err != nil {
		t.Fatal(err)
	}
	check("server", want{0, 0, ""})
	if err := e.PullImage("learner/notes:2", &out); err != nil {
		t.Fatal(err)
	}
	if err := e.PullImage("python:3.12", &out); err != nil {
		t.Fatal(err)
	}
}
