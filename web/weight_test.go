package web_test

import (
	"io"
	"net/http"
	"regexp"
	"testing"
)

// TestPageWeight keeps the playground page, with the CSS and JavaScript it
// loads, under the budget of 250 KB uncompressed.
func TestPageWeight(t *testing.T) {
	ts := newServer(t)
	size := func(path string) int {
		res, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("GET %s: %d", path, res.StatusCode)
		}
		return len(b)
	}
	res, err := http.Get(ts.URL + "/play")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	total := len(page)
	for _, m := range regexp.MustCompile(`(?:href|src)="(/static/[^"]+)"`).FindAllSubmatch(page, -1) {
		total += size(string(m[1]))
	}
	t.Logf("playground page weight: %d bytes (HTML %d)", total, len(page))
	if total > 250<<10 {
		t.Fatalf("page weight %d bytes, over the 250 KB budget", total)
	}
}
